/**
 * Istio's string matching for AuthorizationPolicy values (istio `authz/matcher`):
 * `*` alone is presence (any non-empty value), `*abc` a suffix, `abc*` a prefix, anything else
 * exact. A leading `*` wins over a trailing one (`*abc*` is the suffix `abc*`), as in Istio. Paths
 * containing `{*}` or `{**}` are URI templates (Istio ≥ 1.22, Envoy `uri_template`).
 */
export interface StringMatchList {
  /** Exact values (lower-cased when case-insensitive). */
  readonly exact: ReadonlySet<string>;
  readonly prefixes: readonly string[];
  readonly suffixes: readonly string[];
  /** Compiled templates with their literal prefix (checked first, cheaply). */
  readonly templates: readonly { readonly prefix: string; readonly re: RegExp }[];
  readonly presence: boolean;
  readonly ignoreCase: boolean;
  /** The values as written, for explanations. */
  readonly values: readonly string[];
}

/** Whether `value` contains a template operator. */
export function isPathTemplate(value: string): boolean {
  return value.includes('{');
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/**
 * Checks an Envoy URI template as Istio accepts it: starts with `/`; `{*}` is a whole segment
 * (one non-empty segment); `{**}` (zero or more characters, slashes included) is the last
 * operator, alone in its segment or followed by a literal suffix (`/{**}.css`); no other braces and
 * no bare `*`. Returns an error message, or the compiled expression.
 */
export function compilePathTemplate(template: string): RegExp | string {
  if (!template.startsWith('/')) return `path template ${JSON.stringify(template)} must start with "/"`;
  const segments = template.slice(1).split('/');
  let source = '^';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    source += '/';
    if (segment === '{*}') {
      source += '[^/]+';
      continue;
    }
    if (segment.startsWith('{**}')) {
      if (!last) return `path template ${JSON.stringify(template)}: {**} must be the last operator`;
      const suffix = segment.slice(4);
      if (/[{}*]/.test(suffix)) return `path template ${JSON.stringify(template)}: invalid literal after {**}`;
      source += '.*' + suffix.replace(REGEX_SPECIAL, '\\$&');
      continue;
    }
    if (/[{}*]/.test(segment))
      return `path template ${JSON.stringify(template)}: operators must be a whole segment, {*} or {**}`;
    source += segment.replace(REGEX_SPECIAL, '\\$&');
  }
  return new RegExp(source + '$');
}

/** Compiles a list of Istio match values. Templates must have been validated (see {@link compilePathTemplate}). */
export function compileStringMatch(
  values: readonly string[],
  options: { ignoreCase?: boolean; templates?: boolean } = {},
): StringMatchList {
  const ignoreCase = options.ignoreCase ?? false;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const templates: { prefix: string; re: RegExp }[] = [];
  let presence = false;
  for (const raw of values) {
    const v = ignoreCase ? raw.toLowerCase() : raw;
    if (options.templates && isPathTemplate(v)) {
      const compiled = compilePathTemplate(v);
      if (typeof compiled === 'string') throw new Error(compiled);
      templates.push({ prefix: v.slice(0, v.indexOf('{')), re: compiled });
    } else if (v === '*') presence = true;
    else if (v.startsWith('*')) suffixes.push(v.slice(1));
    else if (v.endsWith('*')) prefixes.push(v.slice(0, -1));
    else exact.add(v);
  }
  return { exact, prefixes, suffixes, templates, presence, ignoreCase, values };
}

/** Whether `value` matches any entry of `list`. An absent value matches nothing, not even `*`. */
export function matchString(list: StringMatchList, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (list.presence && value.length > 0) return true;
  const v = list.ignoreCase ? value.toLowerCase() : value;
  if (list.exact.has(v)) return true;
  for (let i = 0; i < list.prefixes.length; i++) if (v.startsWith(list.prefixes[i]!)) return true;
  for (let i = 0; i < list.suffixes.length; i++) if (v.endsWith(list.suffixes[i]!)) return true;
  for (let i = 0; i < list.templates.length; i++) {
    const t = list.templates[i]!;
    if (v.startsWith(t.prefix) && t.re.test(v)) return true;
  }
  return false;
}
