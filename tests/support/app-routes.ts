import type { Express } from 'express';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  /** A router mounted with app.use(router): its own stack of layers. */
  handle?: { stack?: Layer[] };
}

function getPaths(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) return layer.route.methods.get ? [layer.route.path] : [];
    return layer.handle?.stack ? getPaths(layer.handle.stack) : [];
  });
}

/**
 * Every path an express app routes GET requests to, read from its own router and the routers mounted in
 * it at the root — so a test that walks them cannot forget a route added later. Parameters (`:userId`)
 * take the value `sample`.
 */
export function getRoutes(app: Express, sample: string): string[] {
  const { stack } = (app as unknown as { router: { stack: Layer[] } }).router;
  return getPaths(stack).map((path) => path.replace(/:[A-Za-z]+/g, encodeURIComponent(sample)));
}

function getOperations(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const { path, methods } = layer.route;
      return Object.keys(methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    }
    return layer.handle?.stack ? getOperations(layer.handle.stack) : [];
  });
}

/** Every `METHOD /path` an express app routes (parameters as OpenAPI writes them: `{userId}`), read from its router. */
export function getRouteOperations(app: Express): string[] {
  return getOperations((app as unknown as { router: { stack: Layer[] } }).router.stack);
}
