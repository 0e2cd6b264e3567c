/**
 * Copies text to the clipboard. The Clipboard API needs a secure context (HTTPS or localhost);
 * a token service reached over plain HTTP inside a cluster is not one, so the older copy command
 * on a hidden, selected textarea is the fallback. Rejects when neither works.
 *
 * @example
 * ```ts
 * await copyText(yaml);
 * ```
 */
export async function copyText(text: string): Promise<void> {
  if (window.isSecureContext && navigator.clipboard !== undefined) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  // Deprecated, but the only copy there is outside a secure context.
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('the browser refused to copy: select the text and copy it by hand');
}
