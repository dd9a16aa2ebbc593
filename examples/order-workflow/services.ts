import { NonRetryableError } from '../../src/index.js';

type Items = { sku: string; qty: number }[];

/**
 * The services the workflow calls, simulated in memory: a payment gateway that times out on its
 * first call (the step is retried) and declines cards starting with 0000 (for good), and a stock
 * that refuses what it does not have.
 */
export class Services {
  readonly stock = new Map([['book', 10], ['lamp', 3]]);
  readonly charged = new Map<string, number>();
  readonly calls: string[] = [];
  private gatewayWarm = false;

  charge(orderId: string, amount: number, card: string): { amount: number } {
    this.calls.push(`charge ${orderId}`);
    if (!this.gatewayWarm) { this.gatewayWarm = true; throw new Error('payment gateway timed out'); }
    if (card.startsWith('0000')) throw new NonRetryableError(`card of ${orderId} declined`);
    this.charged.set(orderId, amount);
    return { amount };
  }

  refund(orderId: string): void {
    this.calls.push(`refund ${orderId}`);
    this.charged.delete(orderId);
  }

  reserve(orderId: string, items: Items): void {
    this.calls.push(`reserve ${orderId}`);
    for (const { sku, qty } of items) if ((this.stock.get(sku) ?? 0) < qty) throw new NonRetryableError(`out of stock: ${sku}`);
    for (const { sku, qty } of items) this.stock.set(sku, this.stock.get(sku)! - qty);
  }

  release(orderId: string, items: Items): void {
    this.calls.push(`release ${orderId}`);
    for (const { sku, qty } of items) this.stock.set(sku, (this.stock.get(sku) ?? 0) + qty);
  }
}
