import { libraryConfig } from '../../tsup.library.js';

// tsup reads a default export.
export default libraryConfig;
