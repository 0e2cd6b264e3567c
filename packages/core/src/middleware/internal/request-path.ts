/**
 * The forms of a request path the authenticator matches against.
 *
 * Routers disagree on how they read a path (Express matches the raw path case-insensitively,
 * Fastify decodes it first, some merge slashes or resolve `..`), so one normalised form cannot be
 * trusted to be the path the application routes. Tessera therefore fails closed both ways:
 * - an exemption applies only to a `clean` path — one every router reads the same way — matched
 *   exactly (`/health/../admin`, `/%68ealth`, `/health%2F..` are never exempt);
 * - a requirement applies when it matches any of the forms (raw, dot-segments resolved, fully
 *   decoded), loosely (see `matchLoose`).
 */
export interface RequestPath {
  /** The path as sent, without query or fragment. */
  readonly raw: string;
  /** Every form a router might route on, for requirements (computed on first use). */
  forms(): readonly string[];
  /** True when every router reads `raw` the same way, so an exemption may apply. */
  readonly clean: boolean;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function parseRequestPath(url: string): RequestPath {
  let raw = url;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) {
      raw = raw.slice(0, i);
      break;
    }
  }
  if (!raw.startsWith('/')) {
    // Absolute-form (RFC 9112 §3.2.2) or asterisk-form targets: take the path, never exempt.
    let path = '/';
    try {
      if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw)) path = new URL(raw).pathname;
    } catch {
      /* keep "/" */
    }
    return { raw, forms: lazy(() => formsOf(path, raw)), clean: false };
  }
  const clean = isClean(raw);
  // A clean path without escapes reads the same in every form: skip the work (hot path).
  if (clean && !raw.includes('%')) {
    const forms = [raw];
    return { raw, forms: () => forms, clean };
  }
  return { raw, forms: lazy(() => formsOf(raw, raw)), clean };
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

function formsOf(path: string, raw: string): string[] {
  const resolved = removeDotSegments(mergeSlashes(decodeUnreserved(path)));
  let decoded = resolved;
  try {
    decoded = removeDotSegments(mergeSlashes(decodeURIComponent(path).replace(/\\/g, '/')));
  } catch {
    /* malformed escape: keep the other forms */
  }
  const forms = [raw];
  if (path !== raw) forms.push(path);
  if (!forms.includes(resolved)) forms.push(resolved);
  if (!forms.includes(decoded)) forms.push(decoded);
  return forms;
}

function isClean(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x5c /* \ */) return false;
    if (c === 0x2f /* / */) {
      const next = raw.charCodeAt(i + 1);
      if (next === 0x2f) return false;
      // A dot segment: "/." or "/.." followed by "/", ";" (the `..;` form servlet-style proxies
      // resolve) or the end.
      if (next === 0x2e /* . */) {
        let j = i + 2;
        if (raw.charCodeAt(j) === 0x2e) j++;
        if (j >= raw.length || raw.charCodeAt(j) === 0x2f || raw.charCodeAt(j) === 0x3b) return false;
      }
    }
    if (c === 0x25 /* % */) {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return false;
      const ch = String.fromCharCode(parseInt(hex, 16));
      // An escaped unreserved character, slash, backslash, percent or control character is read
      // differently by different routers (RFC 3986 §6.2.2.2): never exempt such a path.
      if (
        UNRESERVED.test(ch) ||
        ch === '/' ||
        ch === '\\' ||
        ch === '%' ||
        ch.charCodeAt(0) < 0x20 ||
        ch.charCodeAt(0) >= 0x7f
      )
        return false;
      i += 2;
    }
  }
  return true;
}

function decodeUnreserved(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%([0-9A-Fa-f]{2})/g, (all, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : all.toUpperCase();
  });
}

function mergeSlashes(path: string): string {
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
}

/** RFC 3986 §5.2.4, on an absolute path. */
function removeDotSegments(path: string): string {
  if (!/(^|\/)\.\.?(\/|$)/.test(path)) return path;
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
      continue;
    }
    if (s === '..') {
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(s);
  }
  return '/' + out.join('/');
}
