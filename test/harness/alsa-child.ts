// Runs in a child process whose ALSA_CONFIG_PATH points at a file-plugin asound.conf (libasound reads it
// when it loads, so it cannot be set from inside the test process). Opens the naudiodon device by name,
// plays a 1 kHz tone frame by frame at the engine's 20 ms pace, reads capture for as long, and prints one
// JSON line: how much of the captured audio is a 440 Hz (and, as a control, 1 kHz) sinusoid, its level, and
// the port's counters.
//
// Why not a dominant-frequency measurement: the file plugin is not real time, so capture arrives far faster
// than it is read and the port's ring keeps only the newest samples; what is read is the right tone cut
// into pieces, and the cuts skew an FFT. A pure tone obeys s[n+1] + s[n-1] = 2·cos(ω)·s[n] at every sample
// (the cuts break it at a few samples only), which identifies the frequency exactly.
import { naudiodonAudioDevice } from '../../src/media/audio/naudiodon-audio.js';
import { rmsDbfs } from '../../src/media/dsp/analysis.js';

/** Share of samples of `pcm` that follow a sinusoid of `hz` (to within rounding). */
function shareOnTone(pcm: Int16Array, hz: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let on = 0;
  for (let n = 1; n + 1 < pcm.length; n++) if (Math.abs(pcm[n + 1]! + pcm[n - 1]! - k * pcm[n]!) <= 3) on++;
  return on / (pcm.length - 2);
}

const [capture = 'phone_in', playback = 'phone_out', framesArg = '50'] = process.argv.slice(2);
const frames = Number(framesArg);
const port = await naudiodonAudioDevice({ captureDevice: capture, playbackDevice: playback }).open({ sampleRate: 8000, frameSamples: 160 });
const tone = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
const captured = new Int16Array(160 * frames);
for (let f = 0; f < frames; f++) {
  port.writePlayback(tone);
  await new Promise((r) => setTimeout(r, 20));
  captured.set(port.readCapture(), f * 160);
}
const stats = port.stats();
await port.close();
process.stdout.write(
  `${JSON.stringify({ on440: shareOnTone(captured, 440, 8000), on1000: shareOnTone(captured, 1000, 8000), levelDbfs: rmsDbfs(captured), stats })}\n`,
);
