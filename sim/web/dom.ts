/**
 * The few browser APIs the simulator's page uses, typed by hand: the project compiles everything with
 * Node's types only (tsconfig has no DOM lib, and adding it would change every file's globals), so the page
 * reaches the browser through `browser`, the global object seen through these interfaces. Structural
 * subsets of the DOM's own types: only what the page calls.
 */

export interface El {
  id: string;
  className: string;
  textContent: string | null;
  title: string;
  hidden: boolean;
  disabled: boolean;
  readonly style: { setProperty(name: string, value: string): void };
  href: string;
  width: number;
  height: number;
  scrollTop: number;
  readonly clientHeight: number;
  readonly scrollHeight: number;
  readonly dataset: Record<string, string | undefined>;
  readonly classList: { add(c: string): void; remove(c: string): void; toggle(c: string, on?: boolean): void; contains(c: string): boolean };
  readonly firstElementChild: El | null;
  readonly childElementCount: number;
  /** <template> only. */
  readonly content: El;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El>;
  closest(selector: string): El | null;
  contains(other: El): boolean;
  cloneNode(deep: boolean): El;
  append(...nodes: (El | TextNode)[]): void;
  appendChild(node: El): void;
  replaceChildren(...nodes: El[]): void;
  remove(): void;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
  setPointerCapture(pointerId: number): void;
  getContext(kind: '2d'): Canvas2d;
  addEventListener(type: 'click', fn: (ev: UiEvent) => void): void;
  addEventListener(type: 'pointerdown' | 'pointermove' | 'pointerup' | 'pointercancel', fn: (ev: PointerEv) => void): void;
}

export type TextNode = object;

export interface UiEvent {
  readonly target: El | null;
  preventDefault(): void;
}

export interface PointerEv extends UiEvent {
  readonly clientX: number;
  readonly clientY: number;
  readonly pointerId: number;
}

export interface KeyEv extends UiEvent {
  readonly key: string;
  readonly repeat: boolean;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly metaKey: boolean;
}

export interface Canvas2d {
  putImageData(data: ImageDataLike, x: number, y: number): void;
  drawImage(image: Bitmap, x: number, y: number): void;
}

export type ImageDataLike = object;

export interface Bitmap {
  close(): void;
}

export interface Socket {
  binaryType: 'arraybuffer' | 'blob';
  readonly readyState: number;
  onopen: (() => void) | null;
  onclose: (() => void) | null;
  onmessage: ((ev: { data: string | ArrayBuffer }) => void) | null;
  send(data: string | ArrayBuffer): void;
}

// ---- audio ("use my microphone and speakers", audio.ts)

export interface MediaTrack {
  stop(): void;
}

export interface MediaStreamLike {
  getTracks(): MediaTrack[];
}

export interface AudioNodeLike {
  connect(destination: AudioNodeLike): void;
  disconnect(): void;
}

export interface MessagePortLike {
  onmessage: ((ev: { data: unknown }) => void) | null;
  postMessage(data: unknown, transfer?: ArrayBuffer[]): void;
}

export interface WorkletNodeLike extends AudioNodeLike {
  readonly port: MessagePortLike;
}

export interface AudioContextLike {
  readonly sampleRate: number;
  readonly state: string;
  readonly destination: AudioNodeLike;
  readonly audioWorklet: { addModule(url: string): Promise<void> };
  createMediaStreamSource(stream: MediaStreamLike): AudioNodeLike;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export interface AudioConstraints {
  audio: { echoCancellation: boolean; noiseSuppression: boolean; autoGainControl: boolean; channelCount: number };
}

export interface Browser {
  readonly document: {
    getElementById(id: string): El | null;
    createElement(tag: string): El;
    createTextNode(text: string): TextNode;
    addEventListener(type: 'keydown', fn: (ev: KeyEv) => void): void;
  };
  readonly location: { protocol: string; host: string };
  readonly WebSocket: { new (url: string): Socket; readonly OPEN: number };
  readonly ImageData: new (data: Uint8ClampedArray, width: number, height: number) => ImageDataLike;
  readonly Blob: new (parts: Uint8Array[], options: { type: string }) => object;
  readonly CSS: { escape(text: string): string };
  createImageBitmap(blob: object): Promise<Bitmap>;
  requestAnimationFrame(fn: () => void): number;
  fetch(url: string): Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;
  /** False on plain http from another host: then the browser offers no microphone nor AudioWorklet. */
  readonly isSecureContext: boolean;
  readonly navigator: { readonly mediaDevices?: { getUserMedia(constraints: AudioConstraints): Promise<MediaStreamLike> } };
  readonly AudioContext?: new (options: { latencyHint: 'interactive' }) => AudioContextLike;
  readonly AudioWorkletNode?: new (context: AudioContextLike, name: string, options: { numberOfInputs: number; numberOfOutputs: number; outputChannelCount: number[] }) => WorkletNodeLike;
  sipdeskSim?: unknown;
}

/** The page's window. */
export const browser = globalThis as unknown as Browser;

/** The element with this id; the page's HTML is ours, so a missing one is a bug worth an exception. */
export function byId(id: string): El {
  const e = browser.document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e;
}

/** The first match under `root`, which the template guarantees. */
export function child(root: El, selector: string): El {
  const e = root.querySelector(selector);
  if (e === null) throw new Error(`no ${selector} in the phone panel`);
  return e;
}
