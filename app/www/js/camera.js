// camera.js: camera QR reading for the Scan screen. The browser's
// BarcodeDetector when it has one, else zxing-wasm (vendor/zxing-wasm/, a
// pinned copy: see its README.md), imported only when a camera is first
// opened and told to fetch its .wasm from our own path (never a CDN).
// Frames go from a <video> through a canvas to the decoder; the camera's
// tracks are stopped after a read, on cancel, and when the screen goes.

const WASM = new URL('../vendor/zxing-wasm/reader/zxing_reader.wasm',
  import.meta.url).href;

export function hasCamera() {
  return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

let zxing = null; // the loaded module, once (a promise)
function loadZxing() {
  if (!zxing) {
    zxing = (async () => {
      const z = await import('../vendor/zxing-wasm/es/reader/index.js');
      await z.prepareZXingModule({
        overrides: {
          locateFile: (path, prefix) => path.endsWith('.wasm') ? WASM
            : prefix + path,
        },
        fireImmediately: true,
      });
      return z;
    })();
    zxing.catch(() => { zxing = null; }); // a later try may load it
  }
  return zxing;
}

// A decoder: frame (video) -> the first QR code's text, or null.
async function decoder() {
  if ('BarcodeDetector' in window) {
    // eslint-disable-next-line no-undef
    const det = new BarcodeDetector({ formats: ['qr_code'] });
    return async (video) => {
      const codes = await det.detect(video);
      return codes.length ? codes[0].rawValue : null;
    };
  }
  const z = await loadZxing();
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    const w = video.videoWidth, hgt = video.videoHeight;
    if (!w || !hgt) return null;
    const k = Math.min(1, 800 / Math.max(w, hgt)); // enough for a tag
    canvas.width = Math.round(w * k);
    canvas.height = Math.round(hgt * k);
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const res = await z.readBarcodes(img, { formats: ['QRCode'],
      tryHarder: true, maxNumberOfSymbols: 1 });
    const hit = res.find((r) => r.isValid && r.text);
    return hit ? hit.text : null;
  };
}

// Starts the camera into `video` and reads until a QR code is seen, the
// returned stop() is called, or `video` leaves the page. on.read(text)
// once after a read (the camera already stopped); on.state(s) with s one of
// 'starting', 'loading' (the decoder), 'looking'; on.error(kind) with kind
// 'denied' (no camera or no permission) or 'decoder' (it did not load);
// on.stopped() once the camera is off, whatever the reason.
export function startCamera(video, on) {
  let stream = null, stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    stream = null;
    video.srcObject = null;
    document.removeEventListener('visibilitychange', hidden);
    if (on.stopped) on.stopped();
  };
  const hidden = () => { if (document.hidden) stop(); };
  document.addEventListener('visibilitychange', hidden);

  (async () => {
    on.state('starting');
    let decode;
    const dec = decoder(); // loads in parallel with the camera's start
    dec.catch(() => {});
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: false,
        video: { facingMode: 'environment' } });
    } catch (e) {
      if (!stopped) on.error('denied');
      stop();
      return;
    }
    if (stopped || !video.isConnected) {
      stream.getTracks().forEach((tr) => tr.stop());
      return stop();
    }
    video.srcObject = stream;
    try {
      await video.play();
    } catch (e) { /* autoplay of a muted video: frames still come */ }
    try {
      on.state('loading');
      decode = await dec;
    } catch (e) {
      if (!stopped) on.error('decoder');
      stop();
      return;
    }
    if (stopped) return;
    on.state('looking');
    const tick = async () => {
      if (stopped) return;
      if (!video.isConnected) return stop(); // the screen went
      let text = null;
      try {
        if (video.readyState >= 2) text = await decode(video);
      } catch (e) { /* a bad frame: the next one */ }
      if (stopped) return;
      if (text) {
        stop();
        on.read(text);
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })();
  return stop;
}
