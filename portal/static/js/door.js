// The check-in page's camera scanner: reads a ticket's QR code and finds its holder with the
// page's search. The browser's BarcodeDetector where it reads QR codes; otherwise the vendored
// jsQR decoder, loaded on first use. Without a camera, or without this file, the page is the
// search form it always was.
(() => {
  const scanner = document.querySelector("[data-door-scanner]");
  if (!scanner || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  const startButton = scanner.querySelector("[data-scan-start]");
  const stopButton = scanner.querySelector("[data-scan-stop]");
  const video = scanner.querySelector("video");
  const status = scanner.querySelector("[data-scan-status]");
  const search = document.getElementById(scanner.dataset.search);
  const TICKET_LINK = /\/checkin\/([A-Za-z0-9_-]{40,64})/;
  const TICKET_CODE = /^[A-Za-z0-9_-]{40,64}$/;
  let stream = null;
  let timer = null;
  let decode = null;

  const say = (text) => { status.textContent = text; };

  // A ticket's QR code holds its check-in link; the code is the link's last part.
  const ticketCode = (text) => {
    const link = TICKET_LINK.exec(text);
    if (link) return link[1];
    return TICKET_CODE.test(text.trim()) ? text.trim() : null;
  };

  const loadJsQR = () => new Promise((resolve, reject) => {
    if (window.jsQR) { resolve(window.jsQR); return; }
    const script = document.createElement("script");
    script.src = scanner.dataset.jsqr;
    script.onload = () => resolve(window.jsQR);
    script.onerror = reject;
    document.head.appendChild(script);
  });

  const makeDecoder = async () => {
    if ("BarcodeDetector" in window) {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async () => {
          const codes = await detector.detect(video);
          return codes.length ? codes[0].rawValue : null;
        };
      }
    }
    const jsQR = await loadJsQR();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async () => {
      if (!video.videoWidth) return null;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return found ? found.data : null;
    };
  };

  const stopScanning = () => {
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  };

  const findHolder = (code) => {
    stopScanning();
    startButton.textContent = "Scan the next ticket";
    say("Ticket read: its holder is below.");
    search.value = code;
    if (window.htmx) window.htmx.trigger(search, "search");
    else search.form.submit();
  };

  const look = async () => {
    if (!stream) return;
    try {
      const text = await decode();
      const code = text && ticketCode(text);
      if (code) { findHolder(code); return; }
      if (text) say("That QR code is not one of our tickets.");
    } catch (error) {
      // A frame that could not be read yet: try the next one.
    }
    timer = setTimeout(look, 200);
  };

  const startScanning = async () => {
    say("Starting the camera…");
    try {
      decode = decode || await makeDecoder();
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      stopScanning();
      say("The camera isn't available here, so search by name, email or ticket number instead.");
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    startButton.hidden = true;
    stopButton.hidden = false;
    await video.play();
    say("Point the camera at the ticket's QR code.");
    look();
  };

  scanner.hidden = false;
  startButton.addEventListener("click", startScanning);
  stopButton.addEventListener("click", () => { stopScanning(); say(""); });
  window.addEventListener("pagehide", stopScanning);
})();
