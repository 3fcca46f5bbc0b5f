/**
 * In-process fan-out of broker events to the WebSocket API, notifiers and the approval page.
 * A listener that throws is isolated: it cannot stop delivery to the others or the publisher.
 */
import type { AirlockEvent } from './types.js';

export type EventListener = (event: AirlockEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: AirlockEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
