;; MaxPoolGrad of 2x2 windows with stride 2 (almost every CNN's pool) in WebAssembly SIMD, four
;; channels at a time: each dy value goes to the first maximum of its window in row-major order, as on
;; the cpu backend (strict '>', NaN never wins, -Infinity only if nothing else is larger). Windows
;; do not overlap, so every dx value of a window is stored (the dy value or 0), never accumulated.
;;
;; Built into src/generated/wasm/max-pool-grad.wasm by scripts/build-wasm-kernels.mjs; pointers are
;; byte offsets into the tfjs wasm backend's heap (see max-pool-grad.ts, the caller).
(module
  (import "env" "memory" (memory 1))
  ;; x, dx: NHWC [samples, inHeight, inWidth, channels]; dy: [samples, outHeight, outWidth, channels].
  ;; channels must be a multiple of 4; every count at least 1. Rows and columns of x beyond the last
  ;; full window are skipped (the caller zeroes dx there).
  (func (export "route2x2")
    (param $x i32) (param $dy i32) (param $dx i32)
    (param $samples i32) (param $inHeight i32) (param $inWidth i32) (param $channels i32)
    (param $outHeight i32) (param $outWidth i32)
    (local $px i32) (local $pd i32) (local $toDx i32) (local $col i32) (local $row i32)
    (local $rowSkip i32) (local $sampleSkip i32)
    (local $n i32) (local $oh i32) (local $ow i32) (local $c i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $g v128)
    (local $best v128) (local $taken v128) (local $idx v128) (local $take v128)
    (local $ninf v128) (local $k1 v128) (local $k2 v128) (local $k3 v128) (local $k0 v128)
    (local.set $ninf (f32x4.splat (f32.const -inf)))
    (local.set $k0 (i32x4.splat (i32.const 0)))
    (local.set $k1 (i32x4.splat (i32.const 1)))
    (local.set $k2 (i32x4.splat (i32.const 2)))
    (local.set $k3 (i32x4.splat (i32.const 3)))
    ;; Bytes: one pixel's channels (the window's second column), one input row (its second row).
    (local.set $col (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $row (i32.mul (local.get $inWidth) (local.get $col)))
    ;; After a row of windows: the columns past the last window, then the window's second row.
    (local.set $rowSkip (i32.add (local.get $row)
      (i32.mul (i32.sub (local.get $inWidth) (i32.shl (local.get $outWidth) (i32.const 1))) (local.get $col))))
    ;; After a sample: the rows past the last window.
    (local.set $sampleSkip (i32.mul (local.get $row)
      (i32.sub (local.get $inHeight) (i32.shl (local.get $outHeight) (i32.const 1)))))
    (local.set $toDx (i32.sub (local.get $dx) (local.get $x)))
    (local.set $px (local.get $x))
    (local.set $pd (local.get $dy))
    (local.set $n (local.get $samples))
    (loop $sampleLoop
      (local.set $oh (local.get $outHeight))
      (loop $rowLoop
        (local.set $ow (local.get $outWidth))
        (loop $windowLoop
          (local.set $c (i32.shr_u (local.get $channels) (i32.const 2)))
          (loop $channelLoop
            (local.set $v0 (v128.load (local.get $px)))
            (local.set $v1 (v128.load (i32.add (local.get $px) (local.get $col))))
            (local.set $v2 (v128.load (i32.add (local.get $px) (local.get $row))))
            (local.set $v3 (v128.load (i32.add (i32.add (local.get $px) (local.get $row)) (local.get $col))))
            (local.set $g (v128.load (local.get $pd)))
            ;; x0 starts as the best; it counts as taken only if it is above -Infinity (not NaN).
            (local.set $best (local.get $v0))
            (local.set $taken (f32x4.gt (local.get $v0) (local.get $ninf)))
            (local.set $idx (local.get $k0))
            ;; x1: larger than the best so far, or the first value above -Infinity.
            (local.set $take (v128.or (f32x4.gt (local.get $v1) (local.get $best))
              (v128.andnot (f32x4.gt (local.get $v1) (local.get $ninf)) (local.get $taken))))
            (local.set $best (v128.bitselect (local.get $v1) (local.get $best) (local.get $take)))
            (local.set $taken (v128.or (local.get $taken) (local.get $take)))
            (local.set $idx (v128.bitselect (local.get $k1) (local.get $idx) (local.get $take)))
            ;; x2
            (local.set $take (v128.or (f32x4.gt (local.get $v2) (local.get $best))
              (v128.andnot (f32x4.gt (local.get $v2) (local.get $ninf)) (local.get $taken))))
            (local.set $best (v128.bitselect (local.get $v2) (local.get $best) (local.get $take)))
            (local.set $taken (v128.or (local.get $taken) (local.get $take)))
            (local.set $idx (v128.bitselect (local.get $k2) (local.get $idx) (local.get $take)))
            ;; x3 (its best is not needed after this)
            (local.set $take (v128.or (f32x4.gt (local.get $v3) (local.get $best))
              (v128.andnot (f32x4.gt (local.get $v3) (local.get $ninf)) (local.get $taken))))
            (local.set $taken (v128.or (local.get $taken) (local.get $take)))
            (local.set $idx (v128.bitselect (local.get $k3) (local.get $idx) (local.get $take)))
            ;; dy where this position won, else 0.
            (local.set $g (v128.and (local.get $g) (local.get $taken)))
            (v128.store (i32.add (local.get $px) (local.get $toDx))
              (v128.and (local.get $g) (i32x4.eq (local.get $idx) (local.get $k0))))
            (v128.store (i32.add (i32.add (local.get $px) (local.get $toDx)) (local.get $col))
              (v128.and (local.get $g) (i32x4.eq (local.get $idx) (local.get $k1))))
            (v128.store (i32.add (i32.add (local.get $px) (local.get $toDx)) (local.get $row))
              (v128.and (local.get $g) (i32x4.eq (local.get $idx) (local.get $k2))))
            (v128.store (i32.add (i32.add (i32.add (local.get $px) (local.get $toDx)) (local.get $row)) (local.get $col))
              (v128.and (local.get $g) (i32x4.eq (local.get $idx) (local.get $k3))))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $pd (i32.add (local.get $pd) (i32.const 16)))
            (br_if $channelLoop (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
          ;; Past the window's second column.
          (local.set $px (i32.add (local.get $px) (local.get $col)))
          (br_if $windowLoop (local.tee $ow (i32.sub (local.get $ow) (i32.const 1)))))
        (local.set $px (i32.add (local.get $px) (local.get $rowSkip)))
        (br_if $rowLoop (local.tee $oh (i32.sub (local.get $oh) (i32.const 1)))))
      (local.set $px (i32.add (local.get $px) (local.get $sampleSkip)))
      (br_if $sampleLoop (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
)
