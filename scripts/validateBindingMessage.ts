/**
 * Bundled default for the validateBindingMessage hook. The OP has already checked the message
 * against `backchannelBindingMessagePattern`; the default accepts what passed. Replace it to add
 * rules of your own, e.g. refusing messages that look like one-time codes.
 */
import type { ValidateBindingMessage } from 'ciba-op/script';

export const validateBindingMessage: ValidateBindingMessage = async () => ({ ok: true });
