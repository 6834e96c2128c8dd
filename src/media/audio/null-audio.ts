/**
 * The silent device: captures silence, discards playback. For boards without audio, kiosks that only
 * signal, and tests that look at RTP rather than sound.
 */
import type { AudioDevice, AudioPort, AudioPortOptions } from './audio-port.js';

export const nullAudioDevice: AudioDevice = {
  name: 'null',
  open(opts: AudioPortOptions): Promise<AudioPort> {
    const frame = new Int16Array(opts.frameSamples);
    return Promise.resolve({
      name: 'null',
      sampleRate: opts.sampleRate,
      frameSamples: opts.frameSamples,
      readCapture: () => frame.slice(),
      writePlayback: () => undefined,
      stats: () => ({ captureUnderruns: 0, captureOverrunSamples: 0, playbackOverruns: 0 }),
      close: () => Promise.resolve(),
    });
  },
};
