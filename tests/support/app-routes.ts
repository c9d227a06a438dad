import type { Express } from 'express';

/**
 * Every path an express app routes GET requests to, read from its own router — so a test that walks
 * them cannot forget a route added later. Parameters (`:userId`) take the value `sample`.
 */
export function getRoutes(app: Express, sample: string): string[] {
  const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
  return stack
    .flatMap((layer) => (layer.route?.methods.get ? [layer.route.path] : []))
    .map((path) => path.replace(/:[A-Za-z]+/g, encodeURIComponent(sample)));
}
