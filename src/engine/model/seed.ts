/** Derives a stable 32-bit seed for one initializer from the model seed, layer name and argument (FNV-1a). */
export function deriveSeed(modelSeed: number, layerName: string, argName: string): number {
  let hash = 0x811c9dc5;
  for (const ch of `${modelSeed}/${layerName}/${argName}`) {
    hash ^= ch.codePointAt(0) as number;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
