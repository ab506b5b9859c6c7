import type { DiscoveryService, MetadataScanner } from '@nestjs/core';

/** A provider as DiscoveryService lists it (no deep import of Nest's InstanceWrapper). */
type ProviderWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** One method of a provider's class, as discovery walks them. */
export interface ProviderMethod {
  wrapper: ProviderWrapper;
  metatype: abstract new (...args: never[]) => unknown;
  methodName: string;
  method: unknown;
}

/**
 * Every method of every provider class of the application, for the explorers
 * that read our decorators' metadata off them (handlers, event listeners).
 */
export function* providerMethods(discovery: DiscoveryService, scanner: MetadataScanner): Generator<ProviderMethod> {
  for (const wrapper of discovery.getProviders()) {
    const metatype = wrapper.metatype;
    if (!metatype || typeof metatype !== 'function' || !metatype.prototype) continue;
    const prototype = metatype.prototype as Record<string, unknown>;
    for (const methodName of scanner.getAllMethodNames(prototype)) {
      yield { wrapper, metatype: metatype as abstract new (...args: never[]) => unknown, methodName, method: prototype[methodName] };
    }
  }
}
