/** Anything with Deno's async partial-write signature (files, Deno.stderr). */
export interface ByteWriter {
  write(p: Uint8Array): Promise<number>;
}

/** Writes every byte of `data` (Deno's write may write only part of it). */
export async function writeAll(w: ByteWriter, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await w.write(data.subarray(off));
}
