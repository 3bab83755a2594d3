import assert from "node:assert/strict";
import { Watchdog } from "../../src/ops/watchdog.ts";

Deno.test("watchdog: one byte per feed, magic 'V' on close (against a regular file)", async () => {
  const dir = await Deno.makeTempDir();
  const dev = `${dir}/watchdog`;
  await Deno.writeFile(dev, new Uint8Array());
  const w = Watchdog.open(dev);
  if (!w.ok) throw new Error(w.error.message);
  try {
    assert.equal(w.value.active, true);
    for (let i = 0; i < 5; i++) assert.equal(w.value.feed(), null);
    assert.equal(w.value.feeds, 5);
    assert.equal(w.value.close(), null);
    assert.equal(w.value.active, false);
    assert.equal(w.value.feed(), null, "feed after close is a no-op");
    assert.deepEqual([...await Deno.readFile(dev)], [0, 0, 0, 0, 0, 0x56]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchdog: a missing device is an error value that says what to do", () => {
  const w = Watchdog.open("/nonexistent/hbts-watchdog");
  if (w.ok) throw new Error("opened a device that does not exist");
  assert.equal(w.error.device, "/nonexistent/hbts-watchdog");
  assert.match(w.error.message, /does not exist.*softdog/);
});

Deno.test("watchdog: a failing write closes the device and reports once", () => {
  // /dev/full accepts open for writing but every write fails with ENOSPC.
  const w = Watchdog.open("/dev/full");
  if (!w.ok) throw new Error(w.error.message);
  const err = w.value.feed();
  assert.ok(err, "write to /dev/full should fail");
  assert.match(err.message, /\/dev\/full: write failed/);
  assert.equal(w.value.active, false);
  assert.equal(w.value.feed(), null);
  assert.equal(w.value.failure, err);
});

Deno.test({
  name: "watchdog: the kernel device, when one exists, opens, feeds and closes with 'V'",
  // Only when asked (HB_WATCHDOG_DEVICE_TEST=1) and a driver is already loaded: we never
  // load modules, and a driver built with NOWAYOUT would reboot the machine after our test.
  ignore: (() => {
    if (Deno.env.get("HB_WATCHDOG_DEVICE_TEST") !== "1") return true;
    try {
      return !Deno.statSync("/dev/watchdog").isCharDevice || Deno.uid() !== 0;
    } catch {
      return true;
    }
  })(),
  fn() {
    const w = Watchdog.open("/dev/watchdog");
    if (!w.ok) throw new Error(w.error.message);
    assert.equal(w.value.feed(), null);
    assert.equal(w.value.close(), null);
  },
});
