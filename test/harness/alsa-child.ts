// Runs in a child process whose ALSA_CONFIG_PATH points at a file-plugin asound.conf (libasound reads it
// when it loads, so it cannot be set from inside the test process). Opens the naudiodon device by name,
// plays a 1 kHz tone frame by frame at the engine's 20 ms pace, reads capture for as long, and prints one
// JSON line: the captured audio's dominant frequency and level, and the port's counters.
import { naudiodonAudioDevice } from '../../src/media/audio/naudiodon-audio.js';
import { dominantFrequency, rmsDbfs } from '../../src/media/dsp/analysis.js';

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
process.stdout.write(`${JSON.stringify({ frequency: dominantFrequency(captured, 8000), levelDbfs: rmsDbfs(captured), stats })}\n`);
