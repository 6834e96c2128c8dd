/**
 * What a simulated phone's "microphone" says: a short, quiet melody looped by the `wav` audio device, a
 * different key per phone, so a listener on the far end (or a recording) can tell who is talking.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { encodeWav } from '../../src/media/dsp/wav.js';

const RATE = 16000;

/** Three notes and a pause (2 s), rooted `semitones` above A3, at about −18 dBFS with soft edges. */
export function toneMelody(semitones: number): Int16Array {
  const root = 220 * 2 ** (semitones / 12);
  const notes = [root, root * 1.25, root * 1.5];
  const noteS = 0.4;
  const out = new Int16Array(RATE * 2);
  const amplitude = 0.12 * 32767;
  const fade = Math.round(RATE * 0.02);
  notes.forEach((freq, n) => {
    const start = Math.round(n * noteS * RATE);
    const len = Math.round(noteS * RATE * 0.9);
    for (let i = 0; i < len; i++) {
      // Raised edges keep the note boundaries from clicking.
      const edge = Math.min(1, i / fade, (len - i) / fade);
      out[start + i] = Math.round(amplitude * edge * Math.sin((2 * Math.PI * freq * i) / RATE));
    }
  });
  return out;
}

/** Writes the phone's melody WAV to `path` unless it is already there; returns the path. */
export function ensureToneWav(path: string, semitones: number): string {
  if (!existsSync(path)) writeFileSync(path, encodeWav(toneMelody(semitones), RATE));
  return path;
}
