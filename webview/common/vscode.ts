// The webview side of the host connection: acquireVsCodeApi once, envelopes with ids, replies
// awaited by id, every received message validated (invalid ones are logged and ignored).
import { FromWebviewMessage, idCounter, isToWebviewMessage, ReplyMessage, ToWebviewMessage, ToWebviewType, Unsent } from '../../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };

const nextId = idCounter();
const pending = new Map<number, (reply: ReplyMessage) => void>();

export function send(message: Unsent<FromWebviewMessage>): number {
  const id = nextId();
  api.postMessage({ ...message, id });
  return id;
}

/** Send a request and resolve with the host's reply (or a timeout reply). */
export function request(message: Unsent<FromWebviewMessage>, timeoutMs = 10 * 60 * 1000): Promise<ReplyMessage> {
  const id = send(message);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve({ type: ToWebviewType.Reply, id: -1, replyTo: id, ok: false, detail: 'no reply' });
    }, timeoutMs);
    pending.set(id, (r) => {
      clearTimeout(timer);
      resolve(r);
    });
  });
}

export function onMessage(handler: (m: ToWebviewMessage) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const m: unknown = event.data;
    if (!isToWebviewMessage(m)) {
      console.warn('Noether Lab: ignored an invalid message', summarize(m));
      return;
    }
    if (m.type === ToWebviewType.Reply) {
      const done = pending.get(m.replyTo);
      if (done) {
        pending.delete(m.replyTo);
        done(m);
      }
      return;
    }
    try {
      handler(m);
    } catch (err) {
      console.error('Noether Lab: failed to handle', m.type, err);
    }
  });
}

function summarize(m: unknown): string {
  if (typeof m !== 'object' || m === null) return String(m);
  const t = (m as { type?: unknown }).type;
  return `type=${typeof t === 'string' ? t.slice(0, 40) : typeof t}`;
}

export function getState<T>(): Partial<T> {
  const s = api.getState();
  return typeof s === 'object' && s !== null ? s : {};
}

export function patchState<T extends object>(patch: Partial<T>): void {
  api.setState({ ...getState<T>(), ...patch });
}
