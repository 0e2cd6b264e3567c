import type { GatewayRouteConfig } from '../config/load-gateway-config.js';

/** A route ready for matching; `index` is its position in the configuration. */
export interface CompiledRoute {
  readonly config: GatewayRouteConfig;
  readonly index: number;
  /** Prefix without a trailing slash ('' for `/`), so matching is on segment boundaries. */
  readonly prefix: string;
}

/** Host + longest path prefix → route. */
export interface RouteTable {
  match(host: string, path: string): CompiledRoute | undefined;
  readonly routes: readonly CompiledRoute[];
}

/**
 * Builds the route table once per configuration. Exact hosts are looked up in a map, `*.suffix`
 * hosts and `*` are tried after; within a host, the longest prefix wins. A prefix matches on a
 * segment boundary: `/api` matches `/api` and `/api/x`, never `/apix`.
 */
export function createRouteTable(routes: readonly GatewayRouteConfig[]): RouteTable {
  const compiled = routes.map((config, index): CompiledRoute => ({
    config,
    index,
    prefix: config.pathPrefix.replace(/\/+$/, ''),
  }));
  const byLength = (a: CompiledRoute, b: CompiledRoute) => b.prefix.length - a.prefix.length || a.index - b.index;
  const exact = new Map<string, CompiledRoute[]>();
  const suffixes: { suffix: string; routes: CompiledRoute[] }[] = [];
  const any: CompiledRoute[] = [];
  for (const r of compiled) {
    const host = r.config.host.toLowerCase();
    if (host === '*') any.push(r);
    else if (host.startsWith('*.')) {
      const suffix = host.slice(1);
      let group = suffixes.find((s) => s.suffix === suffix);
      if (!group) suffixes.push((group = { suffix, routes: [] }));
      group.routes.push(r);
    } else {
      const list = exact.get(host) ?? [];
      list.push(r);
      exact.set(host, list);
    }
  }
  for (const list of exact.values()) list.sort(byLength);
  for (const s of suffixes) s.routes.sort(byLength);
  suffixes.sort((a, b) => b.suffix.length - a.suffix.length);
  any.sort(byLength);

  const pick = (list: readonly CompiledRoute[] | undefined, path: string): CompiledRoute | undefined => {
    if (list === undefined) return undefined;
    for (const r of list) {
      if (
        r.prefix === '' ||
        path === r.prefix ||
        (path.startsWith(r.prefix) && path.charCodeAt(r.prefix.length) === 47)
      )
        return r;
    }
    return undefined;
  };

  return {
    routes: compiled,
    match(host, path) {
      const h = host.toLowerCase();
      const hit = pick(exact.get(h), path);
      if (hit) return hit;
      for (const s of suffixes) {
        if (h.length > s.suffix.length && h.endsWith(s.suffix)) {
          const r = pick(s.routes, path);
          if (r) return r;
        }
      }
      return pick(any, path);
    },
  };
}
