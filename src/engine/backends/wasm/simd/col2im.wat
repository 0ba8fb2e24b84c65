;; col2im scatter-add in WebAssembly SIMD, four channels at a time: adds each receptive field's row
;; of `cols` back onto the image it was read from. It finishes the input gradient of a convolution
;; computed as dy @ W^T (input_grad_by_col2im.ts); in JS the scatter cost ~3 ns a float.
;;
;; Built into src/generated/wasm/col2im.wasm by scripts/build-wasm-kernels.mjs; pointers are byte
;; offsets into the tfjs wasm backend's heap.
(module
  (import "env" "memory" (memory 1))
  ;; cols: [samples * rows * cols, taps * channels], row-major, one output position per row.
  ;; dx:   NHWC, every tap in bounds (valid padding); tap t of a position lands at byte offset
  ;;       offsets[t] (an i32 array at `offsets`) from that position's base.
  ;; Position steps in dx: `colStep` to the next column, then `rowSkip` to the next row and
  ;; `sampleSkip` to the next sample. channels must be a multiple of 4; every count at least 1.
  (func (export "add")
    (param $cols i32) (param $dx i32) (param $offsets i32) (param $taps i32) (param $channels i32)
    (param $samples i32) (param $rows i32) (param $columns i32)
    (param $colStep i32) (param $rowSkip i32) (param $sampleSkip i32)
    (local $base i32) (local $to i32) (local $from i32) (local $t i32) (local $c i32)
    (local $n i32) (local $r i32) (local $q i32)
    (local.set $from (local.get $cols))
    (local.set $base (local.get $dx))
    (local.set $n (local.get $samples))
    (loop $sampleLoop
      (local.set $r (local.get $rows))
      (loop $rowLoop
        (local.set $q (local.get $columns))
        (loop $positionLoop
          (local.set $t (i32.const 0))
          (loop $tapLoop
            (local.set $to (i32.add (local.get $base)
              (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $t) (i32.const 2))))))
            (local.set $c (i32.shr_u (local.get $channels) (i32.const 2)))
            (loop $channelLoop
              (v128.store (local.get $to)
                (f32x4.add (v128.load (local.get $to)) (v128.load (local.get $from))))
              (local.set $to (i32.add (local.get $to) (i32.const 16)))
              (local.set $from (i32.add (local.get $from) (i32.const 16)))
              (br_if $channelLoop (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
            (br_if $tapLoop (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $taps))))
          (local.set $base (i32.add (local.get $base) (local.get $colStep)))
          (br_if $positionLoop (local.tee $q (i32.sub (local.get $q) (i32.const 1)))))
        (local.set $base (i32.add (local.get $base) (local.get $rowSkip)))
        (br_if $rowLoop (local.tee $r (i32.sub (local.get $r) (i32.const 1)))))
      (local.set $base (i32.add (local.get $base) (local.get $sampleSkip)))
      (br_if $sampleLoop (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
)
