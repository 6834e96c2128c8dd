/**
 * Shared vocabulary of the media layer. Audio inside the phone is mono signed 16-bit PCM in Int16Array
 * frames at the codec's sample rate; frames are 20 ms unless the SDP ptime says otherwise.
 * Nothing here does I/O.
 */

/** One frame of mono 16-bit PCM. */
export type PcmFrame = Int16Array;

/** Stateful encoder of one RTP stream (G.722 keeps ADPCM state between frames). */
export interface AudioEncoder {
  /** Encodes exactly one frame (samples = sampleRate × ptime) into one RTP payload. */
  encode(pcm: PcmFrame): Buffer;
}

/** Stateful decoder of one RTP stream. */
export interface AudioDecoder {
  /** Decodes one RTP payload into PCM at the codec's sample rate. Throws nothing: bad payloads give silence. */
  decode(payload: Buffer): PcmFrame;
}

export interface AudioCodec {
  /** SDP encoding name as in a=rtpmap (case as registered: PCMU, PCMA, G722, telephone-event, opus). */
  readonly name: string;
  /** Static RTP payload type (RFC 3551), or undefined for dynamic ones. */
  readonly staticPayloadType: number | undefined;
  /** RTP clock rate written in a=rtpmap (8000 for G.722, by RFC 3551's historical rule). */
  readonly clockRate: number;
  /** Real audio sample rate of the PCM the codec takes and gives (16000 for G.722). */
  readonly sampleRate: number;
  createEncoder(): AudioEncoder;
  createDecoder(): AudioDecoder;
}

/** Direction of a media stream (RFC 3264 §5.1 / §6.1). */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
