/** Without --allow-ffi the UDP media fall back to sending through Deno's sockets. */
import assert from "node:assert/strict";

Deno.test("udp: without FFI permission the media still send (Deno sockets)", async () => {
  const port = 20000 + ((Deno.pid * 5 + 11) % 20000);
  const probe = new URL("./udp_no_ffi_probe.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-sys",
      "--unstable-net",
      probe,
      String(port),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(text.trim()), { ffi: false, got: "no ffi" });
});
