// `@tessera/cli/up`: the demo services `tessera up` runs beside the token service and the gateway,
// exported so that the repository's examples run the very same ones.
export { createOrdersService, type OrdersServiceOptions } from './orders-service.js';
export { createTeamsBackend, type TeamsTrust } from './teams-backend.js';
export { lastMilePolicies } from './last-mile-policies.js';
export { createDemoWebUi, DEMO_WEB_UI_CLIENT, type DemoWebUi } from './demo-web-ui.js';
export { listenOnLoopback, startUpServices, type UpServices } from './start-up-services.js';
