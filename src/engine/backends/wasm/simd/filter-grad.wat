;; Filter gradient of a 2-D convolution in WebAssembly SIMD, for the wasm backend's own heap.
;;
;; dW[row, co] = sum over output positions p of patch(p)[row] * dy[p, co], where a patch row is one
;; (kh, kw, ci) tap. XNNPACK has no kernel for this: through its matrix product, dy becomes the
;; "weights" and is repacked on every call (~4 ns a float: 13 ms for the seed CNN's first layer,
;; whose product itself takes 2 ms), after a JS im2col. This kernel reads the taps straight from x
;; (so no im2col) and dy in place (so no packing).
;;
;; Built into src/generated/wasm/filter-grad.wasm by scripts/build-wasm-kernels.mjs (npm install).
;; It imports the tfjs wasm backend's memory, so every pointer below is a byte offset into the
;; backend's heap. See filter-grad-simd.ts for the caller and the layout it prepares.
(module
  (import "env" "memory" (memory 1))
  ;; Adds to `out` four rows of dW, eight output channels at a time for `colBlocks` blocks.
  ;;   x:    NHWC input, padded so that every tap is in bounds. Row k's tap for an output position
  ;;         sits at byte offset o_k from that position's base in x.
  ;;   dy:   NHWC output gradient of `samples` samples, `rows` x `cols` positions each, `dyStep`
  ;;         bytes apart (out channels * 4).
  ;;   out:  the four rows of dW, `outStride` bytes apart; read, added to, written back, so the
  ;;         caller can split the batch into blocks that stay in cache.
  ;; Position steps in x: `xColStep` to the next column, then `xRowSkip` to the next row and
  ;; `xSampleSkip` to the next sample. Register use: 8 accumulators, 2 dy vectors, 1 splat.
  (func (export "rows4")
    (param $x i32) (param $dy i32) (param $out i32) (param $outStride i32)
    (param $o0 i32) (param $o1 i32) (param $o2 i32) (param $o3 i32)
    (param $samples i32) (param $rows i32) (param $cols i32) (param $colBlocks i32)
    (param $xColStep i32) (param $xRowSkip i32) (param $xSampleSkip i32) (param $dyStep i32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local $px i32) (local $pd i32) (local $n i32) (local $r i32) (local $c i32)
    (local $out1 i32) (local $out2 i32) (local $out3 i32)
    (loop $blockLoop
      (local.set $out1 (i32.add (local.get $out) (local.get $outStride)))
      (local.set $out2 (i32.add (local.get $out1) (local.get $outStride)))
      (local.set $out3 (i32.add (local.get $out2) (local.get $outStride)))
      (local.set $a00 (v128.load (local.get $out)))
      (local.set $a01 (v128.load offset=16 (local.get $out)))
      (local.set $a10 (v128.load (local.get $out1)))
      (local.set $a11 (v128.load offset=16 (local.get $out1)))
      (local.set $a20 (v128.load (local.get $out2)))
      (local.set $a21 (v128.load offset=16 (local.get $out2)))
      (local.set $a30 (v128.load (local.get $out3)))
      (local.set $a31 (v128.load offset=16 (local.get $out3)))
      (local.set $px (local.get $x))
      (local.set $pd (local.get $dy))
      (local.set $n (local.get $samples))
      (loop $sampleLoop
        (local.set $r (local.get $rows))
        (loop $rowLoop
          (local.set $c (local.get $cols))
          (loop $colLoop
            (local.set $b0 (v128.load (local.get $pd)))
            (local.set $b1 (v128.load offset=16 (local.get $pd)))
            (local.set $s (v128.load32_splat (i32.add (local.get $px) (local.get $o0))))
            (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $s (v128.load32_splat (i32.add (local.get $px) (local.get $o1))))
            (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $s (v128.load32_splat (i32.add (local.get $px) (local.get $o2))))
            (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $s (v128.load32_splat (i32.add (local.get $px) (local.get $o3))))
            (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s) (local.get $b0))))
            (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $px (i32.add (local.get $px) (local.get $xColStep)))
            (local.set $pd (i32.add (local.get $pd) (local.get $dyStep)))
            (br_if $colLoop (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
          (local.set $px (i32.add (local.get $px) (local.get $xRowSkip)))
          (br_if $rowLoop (local.tee $r (i32.sub (local.get $r) (i32.const 1)))))
        (local.set $px (i32.add (local.get $px) (local.get $xSampleSkip)))
        (br_if $sampleLoop (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (v128.store (local.get $out) (local.get $a00))
      (v128.store offset=16 (local.get $out) (local.get $a01))
      (v128.store (local.get $out1) (local.get $a10))
      (v128.store offset=16 (local.get $out1) (local.get $a11))
      (v128.store (local.get $out2) (local.get $a20))
      (v128.store offset=16 (local.get $out2) (local.get $a21))
      (v128.store (local.get $out3) (local.get $a30))
      (v128.store offset=16 (local.get $out3) (local.get $a31))
      (local.set $dy (i32.add (local.get $dy) (i32.const 32)))
      (local.set $out (i32.add (local.get $out) (i32.const 32)))
      (br_if $blockLoop (local.tee $colBlocks (i32.sub (local.get $colBlocks) (i32.const 1))))))
)
