/**
 * The phone's one audio device, from the `audio` config section, wrapped in the mixer that every call and
 * local sound shares (src/media/audio/mixer.ts). Board descriptors (the hardware issue) will name the ALSA
 * devices; until then 'board' means the ALSA default PCM, except on the simulator board, which has no sound.
 */
import type { PhoneConfig } from '../config/schema.js';
import type { AudioDevice } from '../media/audio/audio-port.js';
import { createAlsaAudioDevice } from '../media/audio/alsa-audio.js';
import { MixingAudioDevice } from '../media/audio/mixer.js';
import { naudiodonAudioDevice } from '../media/audio/naudiodon-audio.js';
import { nullAudioDevice } from '../media/audio/null-audio.js';
import { wavAudioDevice } from '../media/audio/wav-audio.js';

export function physicalAudioDevice(config: PhoneConfig): AudioDevice {
  const a = config.audio;
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

export function phoneAudioDevice(config: PhoneConfig): MixingAudioDevice {
  return new MixingAudioDevice(physicalAudioDevice(config));
}
