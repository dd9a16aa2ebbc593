/** The CloudEvents batch content type the client publishes with (one request, all or nothing). */
export const BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';
