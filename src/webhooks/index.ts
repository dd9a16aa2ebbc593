export { Webhook, startWebhook, type WebhookOptions, type WebhookStatus } from './webhook.js';
export { newWebhookSecret, signWebhook, verifyWebhook, type WebhookHeaders } from './signature.js';
export { AllowList, isPublicAddress } from './address.js';
export type { Resolver } from './target.js';
