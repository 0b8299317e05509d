/**
 * Everything the end-user's authentication device talks to: the verification page, the
 * authenticator-app API and device registration. Templates and texts load once, here, so a
 * broken template stops start-up.
 */
import type { FastifyInstance } from 'fastify';
import { apiRoutes } from './api-routes.js';
import { deviceRoutes } from './device-routes.js';
import { pageRoutes } from './page-routes.js';
import { Pages } from './pages.js';

export async function enduserRoutes(app: FastifyInstance): Promise<void> {
  const pages = Pages.load(app.op.config);
  pageRoutes(app, pages);
  apiRoutes(app, pages);
  const devicePath = app.op.config.backchannelDeviceRegistrationEndpoint;
  if (devicePath !== null) deviceRoutes(app, devicePath);
}
