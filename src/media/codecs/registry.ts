/**
 * The audio codecs the phone offers, in its order of preference for SDP offers and answers.
 *
 * No Opus yet. The phone's codecs must install from npm alone on arm64, armhf and x86_64, with nothing downloaded
 * or compiled at install time, and stay maintained. As checked with `npm view` (not installed):
 *  - @discordjs/opus 0.10.0 (MIT, maintained): native libopus binding whose install script is
 *    `node-pre-gyp install --fallback-to-build`, which downloads a prebuilt binary from GitHub releases, or else
 *    compiles libopus with node-gyp (a C toolchain on the device). Neither fits.
 *  - opusscript 0.1.1 (MIT): libopus 1.4 compiled with emscripten to wasm/asm.js, no install script, no native
 *    code, so it would install anywhere; the candidate to try first when Opus is wanted (its CPU cost on an
 *    armhf desk phone still needs measuring against the 20 ms budget).
 *  - @evan/opus 1.0.3 (MIT): wasm bindings too, a smaller user base.
 * Until then G.722 gives wideband, and PCMU/PCMA interoperate with everything.
 */
import type { AudioCodec } from '../types.js';
import { g722Codec } from './g722.js';
import { pcmaCodec, pcmuCodec } from './g711.js';

/** Supported codecs, most preferred first: wideband G.722, then G.711 µ-law, then A-law. */
export const SUPPORTED_CODECS: readonly AudioCodec[] = Object.freeze([g722Codec, pcmuCodec, pcmaCodec]);

/** The codec with this SDP encoding name (as in a=rtpmap, compared case-insensitively), if the phone has it. */
export function codecByName(name: string): AudioCodec | undefined {
  const wanted = name.toUpperCase();
  return SUPPORTED_CODECS.find((codec) => codec.name.toUpperCase() === wanted);
}
