// The namespace part of an Istio peer principal; the policy matchers and the HTTP request builder
// both derive `source.namespace` from it.
/** `default` from `cluster.local/ns/default/sa/webui` (or `spiffe://cluster.local/ns/default/sa/webui`). */
export function namespaceOf(principal: string | undefined): string | undefined {
  if (principal === undefined) return undefined;
  const at = principal.indexOf('/ns/');
  if (at === -1) return undefined;
  const start = at + 4;
  const end = principal.indexOf('/', start);
  const ns = end === -1 ? principal.slice(start) : principal.slice(start, end);
  return ns.length === 0 ? undefined : ns;
}
