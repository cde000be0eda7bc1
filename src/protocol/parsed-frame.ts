/** What FrameParser returns: a validated frame, or the dead letter it became. */
import type { DeadLetter } from '../core/index.js';
import type { AnyFrame, Channel } from './schemas/ws.js';

export type ParsedFrame = { readonly kind: 'frame'; readonly channel: Channel; readonly frame: AnyFrame };
export type ParseResult = ParsedFrame | { readonly kind: 'deadLetter'; readonly deadLetter: DeadLetter };
