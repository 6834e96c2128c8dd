/**
 * The phone's one audio device, from the `audio` config section, wrapped in the mixer that every call and
 * local sound shares (src/media/audio/mixer.ts). `audio.device: board` (the default) takes the board
 * descriptor's audio section (its ALSA card, or none on the sim board); the other values override it.
 */
import type { PhoneConfig } from '../config/schema.js';
import type { BoardAudio } from '../config/board-schema.js';
import type { AudioDevice } from '../media/audio/audio-port.js';
import { createAlsaAudioDevice } from '../media/audio/alsa-audio.js';
import { MixingAudioDevice } from '../media/audio/mixer.js';
import { naudiodonAudioDevice } from '../media/audio/naudiodon-audio.js';
import { nullAudioDevice } from '../media/audio/null-audio.js';
import { wavAudioDevice } from '../media/audio/wav-audio.js';

export function physicalAudioDevice(config: PhoneConfig, board?: BoardAudio): AudioDevice {
  const a = config.audio;
  if (a.device === 'board' && board) return boardAudioDevice(board, a.latencyMs);
  switch (a.device) {
    case 'null':
      return nullAudioDevice;
    case 'wav':
      return wavAudioDevice({ ...(a.wavSource ? { source: a.wavSource } : {}), ...(a.wavSink ? { sink: a.wavSink } : {}) });
    case 'portaudio':
      return naudiodonAudioDevice({ captureDevice: a.capture, playbackDevice: a.playback });
    case 'alsa':
      return createAlsaAudioDevice({ capture: a.capture, playback: a.playback, latencyMs: a.latencyMs });
    case 'board':
      return config.device.board === 'sim' ? nullAudioDevice : createAlsaAudioDevice({ capture: a.capture, playback: a.playback, latencyMs: a.latencyMs });
  }
}

/** The board's own sound device (its mixer controls are set by the image, not here). */
function boardAudioDevice(b: BoardAudio, latencyMs: number): AudioDevice {
  switch (b.device) {
    case 'null':
      return nullAudioDevice;
    case 'wav':
      return wavAudioDevice({ ...(b.wavSource ? { source: b.wavSource } : {}), ...(b.wavSink ? { sink: b.wavSink } : {}) });
    case 'portaudio':
      return naudiodonAudioDevice({ captureDevice: b.capture, playbackDevice: b.playback });
    case 'alsa':
      return createAlsaAudioDevice({ capture: b.capture, playback: b.playback, latencyMs });
  }
}

/** The mixer over the given device (the simulator's page, a test) or the one config and board choose. */
export function phoneAudioDevice(config: PhoneConfig, devices: { audio?: AudioDevice; boardAudio?: BoardAudio } = {}): MixingAudioDevice {
  return new MixingAudioDevice(devices.audio ?? physicalAudioDevice(config, devices.boardAudio));
}
