// Types of the BEEP! Connect JavaScript SDK and of the contract (wit/types.wit) as
// componentize-js represents it: records are objects with camelCase fields, `option<T>`
// is `T | undefined`, `s64` is a BigInt, variants are `{tag, val}`, enums are strings.

export interface Money { amount: bigint | number; currency: string }
export type ConnectorKind = 'pos' | 'erp' | 'psp';
export interface ConnectorInfo {
  name: string; kind: ConnectorKind; version: string; systems: string[]; hosts: string[]; configSchema: string;
}
export type ConnectorErrorValue =
  | { tag: 'unauthorized' | 'forbidden' | 'not-found' | 'invalid-config' | 'unsupported' | 'network' | 'internal'; val: string }
  | { tag: 'rate-limited'; val: number | undefined }
  | { tag: 'upstream'; val: { status: number; message: string } };

export interface Product {
  externalId: string; sku?: string; name: string; categoryId?: string; price?: Money;
  taxRateBps?: number; gtins: string[]; unit?: string; active: boolean;
}
export interface Category { externalId: string; name: string; parentId?: string }
export interface PriceUpdate { productId: string; price: Money; priceGroup?: string; validFrom?: string }
export interface CatalogPage {
  products: Product[]; categories: Category[]; priceUpdates: PriceUpdate[]; nextCursor?: string; hasMore: boolean;
}
export interface SaleLine {
  productId?: string; sku?: string; name: string; quantity: number; unitPrice: Money; total: Money; taxRateBps?: number;
}
export interface SalePayment { method: string; amount: Money; reference?: string }
export interface Sale {
  id: string; receiptNumber: string; lines: SaleLine[]; total: Money; taxTotal?: Money; payments: SalePayment[]; createdAt: string;
}
export type PushOutcome =
  | { tag: 'created' | 'duplicate'; val: string | undefined }
  | { tag: 'rejected'; val: ConnectorErrorValue };
export interface PushResult { id: string; outcome: PushOutcome }
export interface StockLevel {
  externalId: string; sku?: string; warehouseId?: string; quantity: number; unit?: string; updatedAt?: string;
}
export interface InventoryPage { levels: StockLevel[]; nextCursor?: string; hasMore: boolean }
export interface OrderLine { productId?: string; sku?: string; description?: string; quantity: number; unitPrice?: Money }
export interface PurchaseOrder {
  externalId: string; supplierId?: string; number?: string; status: string; total?: Money; orderedAt?: string; lines: OrderLine[];
}
export interface OrdersPage { orders: PurchaseOrder[]; nextCursor?: string; hasMore: boolean }
export interface Supplier { externalId: string; name: string; email?: string; vatId?: string }
export interface SuppliersPage { suppliers: Supplier[]; nextCursor?: string; hasMore: boolean }
export interface Transaction {
  id: string; kind: 'sale' | 'payment' | 'refund' | 'chargeback' | 'fee' | 'payout'; amount: Money; reference?: string; saleId?: string; paymentMethod?: string; occurredAt: string;
}
export interface StockChange { id: string; productId?: string; sku?: string; quantityDelta: number; reason: string; occurredAt: string }
export interface PaymentRequest {
  id: string; amount: Money; reference: string; paymentMethod: string; description?: string; returnUrl?: string;
}
export type PaymentStatus = 'pending' | 'requires-action' | 'authorized' | 'succeeded' | 'failed' | 'canceled';
export interface Payment {
  providerReference: string; status: PaymentStatus; amount: Money; captured?: Money;
  failureCode?: string; failureMessage?: string; actionUrl?: string;
}
export interface PaymentLookup { paymentId: string; providerReference?: string }
export interface RefundRequest { id: string; paymentProviderReference: string; amount: Money; reason?: string }
export interface Refund {
  providerReference: string; paymentProviderReference?: string; status: 'pending' | 'succeeded' | 'failed'; amount: Money; failureMessage?: string;
}
export interface WebhookRequest { headers: [string, string][]; body: Uint8Array; receivedAt: bigint }
export interface WebhookEvent { id: string; eventType: string; payment?: Payment; refund?: Refund }

/** The store's config object (parsed JSON); in Test Mode the host sets `baseUrl`. */
export type Config = Record<string, any>;
type Maybe<T> = T | Promise<T>;

// ---- errors ------------------------------------------------------------------------------
export class ConnectorError extends Error {
  constructor(tag: ConnectorErrorValue['tag'], val: unknown);
  readonly payload: ConnectorErrorValue;
  readonly tag: ConnectorErrorValue['tag'];
  readonly val: unknown;
}
export function unauthorized(msg?: string): ConnectorError;
export function forbidden(msg?: string): ConnectorError;
export function notFound(msg?: string): ConnectorError;
export function invalidConfig(msg?: string): ConnectorError;
export function rateLimited(retryAfterSeconds?: number): ConnectorError;
export function upstream(status: number, msg?: string): ConnectorError;
export function unsupported(msg?: string): ConnectorError;
export function network(msg?: string): ConnectorError;
export function internal(msg?: string): ConnectorError;
export function fromStatus(status: number, message: string, retryAfter?: number): ConnectorError;
export function toConnectorError(e: unknown): ConnectorError;

// ---- HTTP (blocking, over wasi:http/outgoing-handler) -----------------------------------
export class Request {
  constructor(method: string, url: string);
  method: string; url: string; headers: [string, string][]; body: Uint8Array;
  header(name: string, value: string): this;
  bearer(token: string): this;
  basic(user: string, password: string): this;
  query(params: Record<string, unknown> | [string, unknown][]): this;
  json(value: unknown): this;
  form(params: Record<string, unknown> | [string, string][]): this;
  bytes(body: Uint8Array | string): this;
  send(): Response;
}
export class Response {
  status: number; headers: [string, string][]; body: Uint8Array;
  header(name: string): string | undefined;
  readonly isSuccess: boolean;
  text(): string;
  json(): any;
  retryAfter(): number | undefined;
  /** A 2xx passes; anything else throws the contract's error with `message(response)`. */
  ok(message?: (r: Response) => string | undefined): this;
}
export function get(url: string): Request;
export function post(url: string): Request;
export function put(url: string): Request;
export function patch(url: string): Request;
export function del(url: string): Request;
export function base64(bytes: Uint8Array): string;
export function toPairs(value: Record<string, unknown>): [string, string][];
export function encodeForm(pairs: [string, string][]): string;

// ---- money (ISO 4217 exponents, as the Rust SDK) ----------------------------------------
export namespace money {
  function exponent(currency: string): number | undefined;
  function of(amount: bigint | number | string, currency: string): { amount: bigint; currency: string };
  function money(amount: bigint | number | string, currency: string): { amount: bigint; currency: string };
  function toMajorString(m: Money): string;
  function fromMajorString(value: string, currency: string): bigint;
  function toMajorNumber(m: Money): number;
  function fromMajorNumber(value: number, currency: string): bigint;
}

// ---- host, config, exports ---------------------------------------------------------------
export const log: Record<'trace' | 'debug' | 'info' | 'warn' | 'error', (...parts: unknown[]) => void>;
export function deadlineMs(): number;
export function parseConfig(text: string): Config;
export function requireFields(config: Config, ...names: string[]): Config;
export const cursor: { decode<T = any>(text: string | undefined, fallback?: T): T; encode(state: unknown): string };

export function describe(info: Omit<ConnectorInfo, 'configSchema' | 'version'> & { version?: string; configSchema?: string | object }): () => ConnectorInfo;
export function pos(impl: {
  fetchCatalog(config: Config, cursor: string | undefined): Maybe<CatalogPage>;
  pushSales(config: Config, sales: Sale[]): Maybe<PushResult[]>;
}): unknown;
export function erp(impl: {
  fetchInventory?(config: Config, cursor: string | undefined): Maybe<InventoryPage>;
  fetchOrders?(config: Config, cursor: string | undefined): Maybe<OrdersPage>;
  fetchSuppliers?(config: Config, cursor: string | undefined): Maybe<SuppliersPage>;
  pushTransactions?(config: Config, transactions: Transaction[]): Maybe<PushResult[]>;
  pushStockChanges?(config: Config, changes: StockChange[]): Maybe<PushResult[]>;
}): unknown;
export function psp(impl: {
  validateConfig?(config: Config): Maybe<void>;
  createPayment?(config: Config, request: PaymentRequest): Maybe<Payment>;
  getPayment?(config: Config, lookup: PaymentLookup): Maybe<Payment>;
  refundPayment?(config: Config, request: RefundRequest): Maybe<Refund>;
  parseWebhook?(config: Config, request: WebhookRequest): Maybe<WebhookEvent>;
  /** Since 0.2.0: settlements with what each is made of (left out: `unsupported`). */
  fetchPayouts?(config: Config, cursor: string | undefined): Maybe<PayoutsPage>;
}): unknown;
export interface Payout {
  providerReference: string;
  status: 'pending' | 'in-transit' | 'paid' | 'failed' | 'canceled';
  /** amount = sales - refunds - chargebacks - fees + adjustments */
  amount: Money; sales: Money; refunds: Money; chargebacks: Money; fees: Money; adjustments: Money;
  createdAt: string; arrivalDate?: string;
}
export interface PayoutsPage { payouts: Payout[]; nextCursor?: string; hasMore: boolean; }
