import { createRequire } from 'node:module';

// Fastify's own default compilers (its dependencies), used unchanged: only *when* they compile
// changes, not how a request is validated or an answer serialized.
const require = createRequire(import.meta.url);
const ajvCompilerFactory = require('@fastify/ajv-compiler') as () => ValidatorBuilder;
const serializerCompilerFactory = require('@fastify/fast-json-stringify-compiler') as () => SerializerBuilder;

type RouteSchema = { readonly schema: unknown; readonly method: string; readonly url: string };
type Validator = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type ValidatorBuilder = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => Validator;
type Serializer = (data: unknown) => string;
type SerializerBuilder = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => Serializer;

/**
 * Validators and serializers compiled on a route's first request instead of at start-up.
 *
 * Fastify compiles an ajv validator and a fast-json-stringify serializer for every schema of
 * every route before it listens: about a fifth of `twofold serve`'s start-up, for ~100 routes
 * of which a deployment uses few in its first seconds, and many never. Each route now pays its
 * compile once, on first use (a few milliseconds), and a route never asked for holds no compiled
 * code (~7 MB for all of them). `compileRest` compiles the rest, for the test that proves every
 * schema compiles.
 */
export function lazySchemaCompilers() {
  const pending = new Set<() => unknown>();
  /** `make`, run once when first asked for; listed in `pending` until then. */
  const later = <T>(make: () => T): (() => T) => {
    let made: { value: T } | undefined;
    const get = () => {
      if (!made) {
        made = { value: make() };
        pending.delete(get);
      }
      return made.value;
    };
    pending.add(get);
    return get;
  };
  const buildValidator: ValidatorBuilder = (externalSchemas, options) => {
    const compile = ajvCompilerFactory()(externalSchemas, options);
    return (route) => {
      const real = later(() => compile(route));
      const validator: Validator = (data, context) => {
        const result = real()(data, context);
        // Fastify reads the errors from the function it called.
        validator.errors = real().errors;
        return result;
      };
      // Fastify asks for `schemaEnv` to pass ajv the parent object, so coercion and defaults can
      // replace a whole request part; it must be the compiled function's.
      Object.defineProperty(validator, 'schemaEnv', { get: () => real().schemaEnv });
      return validator;
    };
  };
  const buildSerializer: SerializerBuilder = (externalSchemas, options) => {
    const compile = serializerCompilerFactory()(externalSchemas, options);
    return (route) => {
      const real = later(() => compile(route));
      return (data) => real()(data);
    };
  };
  /**
   * Compiles what no request has needed yet, one schema per event-loop turn, so requests are
   * served in between. A schema that cannot compile throws here, not at a user's request.
   */
  const compileRest = async (): Promise<void> => {
    for (const compile of [...pending]) {
      await new Promise((resolve) => setImmediate(resolve));
      compile();
    }
  };
  return { buildValidator, buildSerializer, compileRest };
}
