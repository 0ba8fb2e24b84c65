// CRC-32 (IEEE, as zip uses it). fflate checks no checksum when it unzips, so a member whose data
// was altered, or inflated to a different length than declared, is caught here.
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Running CRC-32: pass the previous value to continue over several chunks. */
export function crc32(data: Uint8Array, previous = 0): number {
  let c = previous ^ 0xffffffff;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
