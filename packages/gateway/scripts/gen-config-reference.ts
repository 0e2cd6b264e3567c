// Prints the gateway.yaml reference (field, type, default, description) from the zod schema, the
// one place defaults and descriptions live (ARCHITECTURE.md, "Configuration"). docs/gateway.md
// embeds its output: node --conditions=development --import tsx packages/gateway/scripts/gen-config-reference.ts
import { z } from 'zod';
import { gatewayConfigSchema, gatewayEnvBindings } from '@tessera/gateway';

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  default?: unknown;
  description?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  additionalProperties?: Schema | boolean;
}

const rows: string[] = [];
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
function walk(s: Schema, path: string): void {
  const variant = s.anyOf?.find((v) => v.type !== 'null') ?? s;
  const type = variant.enum ? variant.enum.map((v) => JSON.stringify(v)).join(' \\| ') : Array.isArray(variant.type) ? variant.type.join(' \\| ') : variant.type === 'array' ? `${variant.items?.type ?? 'item'}[]` : (variant.type ?? '');
  if (path && !path.endsWith('[]')) rows.push(`| \`${path}\` | ${type} | ${s.default === undefined ? '' : `\`${cell(JSON.stringify(s.default))}\``} | ${cell(s.description ?? variant.description ?? '')} |`);
  if (variant.type === 'object' && variant.properties) for (const [k, v] of Object.entries(variant.properties)) walk(v, path ? `${path}.${k}` : k);
  if (variant.type === 'array' && variant.items?.type === 'object') walk({ ...variant.items, description: undefined }, `${path}[]`);
}
walk(z.toJSONSchema(gatewayConfigSchema, { io: 'input', unrepresentable: 'any' }) as Schema, '');
console.log('| field | type | default | description |\n|---|---|---|---|');
console.log(rows.join('\n'));
console.log('\n| environment variable | sets | description |\n|---|---|---|');
for (const [name, b] of Object.entries(gatewayEnvBindings)) console.log(`| \`${name}\` | \`${b.path.join('.')}\` | ${b.description} |`);
