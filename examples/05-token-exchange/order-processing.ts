import express, { type Express } from 'express';
import { createRemoteJwks, createVerifier, type IssuerOptions, type RemoteJwks } from '@tessera/core';
import { tesseraExpress } from '@tessera/core/express';
import { httpCall } from '../internal/http-client.js';
import { tokenRequest } from '../internal/oauth-client.js';

/** Options of {@link createOrderProcessing}. */
export interface OrderProcessingOptions {
  tokenServiceUrl: string;
  issuer: string;
  jwksUri: string;
  clientSecret: string;
  inventoryUrl: string;
  ca: string;
  /** Another identity provider whose user tokens order-processing accepts too (its JWKS over HTTP). */
  partner?: { issuer: string; jwksUri: string };
}

/**
 * The order-processing service of scenario 5 (Express, served over HTTPS by the caller):
 * `POST /orders` needs the user's token for audience `order-processing` with scope `place-order`.
 * It then exchanges that token at the token service (RFC 8693, delegation: its own
 * client_credentials token is the actor) for a token for `inventory`, whose `act` claim records
 * that order-processing acts for the user, and calls inventory with it. With `partner`, user
 * tokens of that identity provider are accepted and exchanged the same way: the token service
 * trusts it with a `subjectPrefix`, so inventory sees its users as `<prefix><sub>`.
 *
 * @example
 * ```ts
 * https.createServer(tls, createOrderProcessing(options).app).listen(9008);
 * ```
 */
export function createOrderProcessing(options: OrderProcessingOptions): { app: Express; close(): void } {
  const jwks: RemoteJwks = createRemoteJwks(options.jwksUri, { ca: options.ca });
  const partnerJwks = options.partner && createRemoteJwks(options.partner.jwksUri);
  const issuers: IssuerOptions[] = [{ issuer: options.issuer, keys: jwks }];
  if (options.partner && partnerJwks) issuers.push({ issuer: options.partner.issuer, keys: partnerJwks });
  const app = express();
  app.use(
    tesseraExpress({
      verifier: createVerifier({ issuers, audience: 'order-processing' }),
      realm: 'order-processing',
      requirements: [{ route: 'POST /orders', scopes: ['place-order'] }],
    }),
  );
  app.post('/orders', async (req, res) => {
    const userToken = req.get('authorization')!.slice('Bearer '.length).trim();
    try {
      const actorToken = await tokenRequest(
        options.tokenServiceUrl,
        'order-processing',
        options.clientSecret,
        { grant_type: 'client_credentials', audience: 'inventory' },
        options.ca,
      );
      const inventoryToken = await tokenRequest(
        options.tokenServiceUrl,
        'order-processing',
        options.clientSecret,
        {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: userToken,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          actor_token: actorToken,
          actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          audience: 'inventory',
          scope: 'place-order',
        },
        options.ca,
      );
      const inventory = await httpCall(`${options.inventoryUrl}/inventory/reserve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${inventoryToken}` },
        ca: options.ca,
      });
      if (inventory.status !== 200) {
        res.status(502).json({ status: 'order failed', inventory: { status: inventory.status } });
        return;
      }
      res.status(201).json({ status: 'order created successfully', inventory: inventory.json });
    } catch (error) {
      res.status(502).json({ status: 'order failed', error: (error as Error).message });
    }
  });
  return {
    app,
    close: () => {
      jwks.close();
      partnerJwks?.close();
    },
  };
}
