;; The optimizer step's kernels: fused AdamW, the sum of squares under global-norm clipping, the clip
;; scale, and the gradient-accumulation axpy. Compiled by scripts/build-wasm.mjs into src/optim/optim-wasm.ts
;; (checked by optim-kernels.test.ts); run through TrainingMemory, whose arrays live in this memory.
;;
;; Why WebAssembly SIMD: the step is a handful of flops per value over every parameter (66M for DistilBERT),
;; one pass over 4 arrays. V8's scalar loop takes 530 ms for it; f32x4 takes ~100 ms, close to the memory
;; bandwidth, i.e. what any CPU code can do single-threaded.
;; Why float32: torch.optim.AdamW keeps parameters, gradients and both moments in float32 and does the
;; arithmetic of its single-tensor path in float32 (its scalars, like 1 - beta1 or the step size, computed
;; in double and rounded once). The kernels take their scalars as f64 and round them to f32 the same way.
;; Why single-threaded and not shared memory: onnxruntime-node refuses tensors on a SharedArrayBuffer, and
;; the parameters and gradients here are fed to / written by onnxruntime in place.
;;
;; Every pointer is a byte offset into the memory; every n counts float32 values. Loops count iterations
;; down instead of comparing against an end address, which would wrap to 0 for an array ending at 4 GiB.
(module
  (import "env" "memory" (memory 1))

  ;; torch.optim.AdamW, single tensor, one step, in place (decay already folded into `keep` = 1 - lr wd):
  ;;   g' = g gradScale                      (clip_grad_norm_'s g *= coef, folded in; gradScale 1: g' = g)
  ;;   m  = beta1 m + (1 - beta1) g'
  ;;   v  = beta2 v + ((1 - beta2) g') g'
  ;;   p  = p keep - stepSize (m / (sqrt(v) invSqrtBiasCorrection2 + eps))
  ;; stepSize = lr / (1 - beta1^t), invSqrtBiasCorrection2 = 1 / sqrt(1 - beta2^t).
  (func (export "adamw")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $beta1 f64) (param $beta2 f64) (param $eps f64) (param $keep f64) (param $stepSize f64)
    (param $invSqrtBiasCorrection2 f64) (param $gradScale f64)
    (local $k i32)
    (local $b1 f32) (local $c1 f32) (local $b2 f32) (local $c2 f32) (local $e f32) (local $kp f32) (local $ss f32) (local $ic2 f32) (local $gs f32)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $ve v128) (local $vkp v128) (local $vss v128) (local $vic2 v128) (local $vgs v128)
    (local $gi v128) (local $mi v128) (local $vi v128)
    (local $sg f32) (local $sm f32) (local $sv f32)
    (local.set $b1 (f32.demote_f64 (local.get $beta1)))
    (local.set $c1 (f32.demote_f64 (f64.sub (f64.const 1) (local.get $beta1))))
    (local.set $b2 (f32.demote_f64 (local.get $beta2)))
    (local.set $c2 (f32.demote_f64 (f64.sub (f64.const 1) (local.get $beta2))))
    (local.set $e (f32.demote_f64 (local.get $eps)))
    (local.set $kp (f32.demote_f64 (local.get $keep)))
    (local.set $ss (f32.demote_f64 (local.get $stepSize)))
    (local.set $ic2 (f32.demote_f64 (local.get $invSqrtBiasCorrection2)))
    (local.set $gs (f32.demote_f64 (local.get $gradScale)))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $ve (f32x4.splat (local.get $e)))
    (local.set $vkp (f32x4.splat (local.get $kp)))
    (local.set $vss (f32x4.splat (local.get $ss)))
    (local.set $vic2 (f32x4.splat (local.get $ic2)))
    (local.set $vgs (f32x4.splat (local.get $gs)))
    ;; Four values per iteration.
    (local.set $k (i32.shr_u (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $gi (f32x4.mul (v128.load (local.get $g)) (local.get $vgs)))
        (local.set $mi (f32x4.add (f32x4.mul (local.get $vb1) (v128.load (local.get $m))) (f32x4.mul (local.get $vc1) (local.get $gi))))
        (local.set $vi (f32x4.add (f32x4.mul (local.get $vb2) (v128.load (local.get $v))) (f32x4.mul (f32x4.mul (local.get $vc2) (local.get $gi)) (local.get $gi))))
        (v128.store (local.get $m) (local.get $mi))
        (v128.store (local.get $v) (local.get $vi))
        (v128.store (local.get $p)
          (f32x4.sub (f32x4.mul (v128.load (local.get $p)) (local.get $vkp))
            (f32x4.mul (local.get $vss)
              (f32x4.div (local.get $mi) (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vi)) (local.get $vic2)) (local.get $ve))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    ;; The n mod 4 values left, one at a time with the same float32 operations in the same order.
    (local.set $k (i32.and (local.get $n) (i32.const 3)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.eqz (local.get $k)))
        (local.set $sg (f32.mul (f32.load (local.get $g)) (local.get $gs)))
        (local.set $sm (f32.add (f32.mul (local.get $b1) (f32.load (local.get $m))) (f32.mul (local.get $c1) (local.get $sg))))
        (local.set $sv (f32.add (f32.mul (local.get $b2) (f32.load (local.get $v))) (f32.mul (f32.mul (local.get $c2) (local.get $sg)) (local.get $sg))))
        (f32.store (local.get $m) (local.get $sm))
        (f32.store (local.get $v) (local.get $sv))
        (f32.store (local.get $p)
          (f32.sub (f32.mul (f32.load (local.get $p)) (local.get $kp))
            (f32.mul (local.get $ss)
              (f32.div (local.get $sm) (f32.add (f32.mul (f32.sqrt (local.get $sv)) (local.get $ic2)) (local.get $e))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (local.set $v (i32.add (local.get $v) (i32.const 4)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $tail))))

  ;; Sum of x[i]^2 over n float32 values, accumulated in float64 (each square exact: a float32 product fits
  ;; a double), as the JS globalNorm does. Eight values per iteration into four f64x2 accumulators: one
  ;; accumulator would be a chain of dependent adds, bound by the add's latency instead of memory.
  (func (export "sumsq") (param $x i32) (param $n i32) (result f64)
    (local $k i32) (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $lo v128) (local $hi v128) (local $s f64) (local $xi f64)
    (local.set $a (v128.const f64x2 0 0))
    (local.set $b (v128.const f64x2 0 0))
    (local.set $c (v128.const f64x2 0 0))
    (local.set $d (v128.const f64x2 0 0))
    (local.set $k (i32.shr_u (local.get $n) (i32.const 3)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $lo (v128.load (local.get $x)))
        (local.set $hi (v128.load offset=16 (local.get $x)))
        ;; promote_low takes lanes 0 and 1; the shuffle moves lanes 2 and 3 down for the second promote.
        (local.set $a (f64x2.add (local.get $a) (f64x2.mul
          (f64x2.promote_low_f32x4 (local.get $lo)) (f64x2.promote_low_f32x4 (local.get $lo)))))
        (local.set $lo (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo)))
        (local.set $b (f64x2.add (local.get $b) (f64x2.mul
          (f64x2.promote_low_f32x4 (local.get $lo)) (f64x2.promote_low_f32x4 (local.get $lo)))))
        (local.set $c (f64x2.add (local.get $c) (f64x2.mul
          (f64x2.promote_low_f32x4 (local.get $hi)) (f64x2.promote_low_f32x4 (local.get $hi)))))
        (local.set $hi (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi)))
        (local.set $d (f64x2.add (local.get $d) (f64x2.mul
          (f64x2.promote_low_f32x4 (local.get $hi)) (f64x2.promote_low_f32x4 (local.get $hi)))))
        (local.set $x (i32.add (local.get $x) (i32.const 32)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    (local.set $a (f64x2.add (f64x2.add (local.get $a) (local.get $b)) (f64x2.add (local.get $c) (local.get $d))))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))
    (local.set $k (i32.and (local.get $n) (i32.const 7)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.eqz (local.get $k)))
        (local.set $xi (f64.promote_f32 (f32.load (local.get $x))))
        (local.set $s (f64.add (local.get $s) (f64.mul (local.get $xi) (local.get $xi))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $tail)))
    (local.get $s))

  ;; x[i] = x[i] c in float32 (clip_grad_norm_'s g.mul_(clip_coef) with the coefficient as a float32).
  (func (export "scale") (param $x i32) (param $n i32) (param $c f64)
    (local $k i32) (local $cs f32) (local $cv v128)
    (local.set $cs (f32.demote_f64 (local.get $c)))
    (local.set $cv (f32x4.splat (local.get $cs)))
    (local.set $k (i32.shr_u (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (v128.store (local.get $x) (f32x4.mul (v128.load (local.get $x)) (local.get $cv)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    (local.set $k (i32.and (local.get $n) (i32.const 3)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.eqz (local.get $k)))
        (f32.store (local.get $x) (f32.mul (f32.load (local.get $x)) (local.get $cs)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $tail))))

  ;; dst[i] = dst[i] + w src[i] in float32: one micro-batch's gradients added into the accumulation sums.
  (func (export "axpy") (param $dst i32) (param $src i32) (param $n i32) (param $w f64)
    (local $k i32) (local $ws f32) (local $wv v128)
    (local.set $ws (f32.demote_f64 (local.get $w)))
    (local.set $wv (f32x4.splat (local.get $ws)))
    (local.set $k (i32.shr_u (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $k)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (f32x4.mul (local.get $wv) (v128.load (local.get $src)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    (local.set $k (i32.and (local.get $n) (i32.const 3)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.eqz (local.get $k)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.mul (local.get $ws) (f32.load (local.get $src)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $tail))))
)
