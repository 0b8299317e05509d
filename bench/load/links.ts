/**
 * Verification links as the driver relays them from the server. A link may arrive before or
 * after the bc-authorize answer (our OP notifies after responding, oidc-provider before), so
 * both orders meet here.
 */
export class Links {
  private readonly arrived = new Map<string, string>();
  private readonly waiting = new Map<string, (link: string) => void>();

  deliver(authReqId: string, link: string): void {
    const waiter = this.waiting.get(authReqId);
    if (waiter) {
      this.waiting.delete(authReqId);
      waiter(link);
    } else {
      this.arrived.set(authReqId, link);
    }
  }

  waitFor(authReqId: string, timeoutMs: number): Promise<string> {
    const link = this.arrived.get(authReqId);
    if (link !== undefined) {
      this.arrived.delete(authReqId);
      return Promise.resolve(link);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(authReqId);
        reject(new Error('timeout'));
      }, timeoutMs);
      this.waiting.set(authReqId, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }
}
