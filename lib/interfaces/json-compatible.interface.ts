/**
 * Compile-time mirror of the run-time JSON check (`queue/json-value.ts`): a
 * handler whose parameters or result cannot travel as JSON makes `add` a
 * compile error for that method, instead of a TaskSerializationError later.
 *
 * The check is structural, never `T extends JsonValue`: an interface has no
 * index signature, so it is not assignable to `{ [key: string]: JsonValue }`
 * even when every field is JSON. Walking the members instead accepts
 * interfaces, type aliases and data-only classes alike.
 *
 * Types cannot see everything the run-time check refuses (a class instance
 * whose fields are all data, `NaN`, a circular value); those are left to it.
 */

/**
 * Levels of nesting the compiler inspects. Deeper values (and recursive
 * types past this depth) are left to the run-time check: a bound keeps a
 * self-referencing type from recursing forever, and keeps each handler's
 * check linear in the number of distinct types it holds.
 */
type MaxDepth = 20;

/**
 * What makes `T` unfit for JSON, as a description (`"a Date (pass
 * date.toISOString())"`), or `never` when it fits. `UndefinedOk` says
 * whether `undefined` is harmless where `T` sits: as an object property
 * (JSON drops it, and it reads back the same) or a whole argument or result,
 * but not inside an array (where it would come back as `null`).
 *
 * `any` and `unknown` pass: nothing can be told about them at compile time,
 * and the run-time check still applies.
 */
type NotJsonKind<T, UndefinedOk extends boolean, Depth extends readonly unknown[]> = 0 extends 1 & T
  ? never
  : unknown extends T
    ? never
    : Depth['length'] extends MaxDepth
      ? never
      : NotJsonMember<T, UndefinedOk, Depth>;

/** One member of `T`'s union at a time (the check type is a naked type parameter, so this distributes). */
type NotJsonMember<T, UndefinedOk extends boolean, Depth extends readonly unknown[]> = T extends string | number | boolean | null
  ? never
  : T extends undefined | void
    ? UndefinedOk extends true
      ? never
      : 'undefined inside an array (it would come back as null)'
    : T extends bigint
      ? 'a bigint (pass it as a string)'
      : T extends symbol
        ? 'a symbol'
        : T extends (...args: never[]) => unknown
          ? 'a function or method'
          : T extends Date
            ? 'a Date (pass date.toISOString())'
            : T extends ReadonlyMap<unknown, unknown>
              ? 'a Map (pass an object or an array of entries)'
              : T extends ReadonlySet<unknown>
                ? 'a Set (pass an array)'
                : T extends readonly unknown[]
                  ? NotJsonItems<T, [...Depth, unknown]>
                  : NotJsonFields<T, [...Depth, unknown]>;

/**
 * Items of an array or tuple. In a fixed-length tuple, `Required` reads an
 * optional element without its implied `undefined`: omitting it is valid
 * JSON (`[1]` for `[number, number?]`), while an explicit `undefined` there
 * is refused at run time; a required element typed `number | undefined`
 * keeps it. Not on arrays (and tuples with a rest element), where
 * `Required` would strip the `undefined` of `(string | undefined)[]` too.
 */
type NotJsonItems<T extends readonly unknown[], Depth extends readonly unknown[]> = number extends T['length']
  ? NotJsonKind<T[number], false, Depth>
  : { [K in keyof T]-?: NotJsonKind<Required<T>[K], false, Depth> }[number];

/** Fields of an object: string and number keys are checked, symbol keys cannot be stored. */
type NotJsonFields<T, Depth extends readonly unknown[]> =
  | ([Extract<keyof T, symbol>] extends [never] ? never : 'an object with symbol keys')
  | { [K in Exclude<keyof T, symbol>]-?: NotJsonKind<T[K], true, Depth> }[Exclude<keyof T, symbol>];

/**
 * Why arguments `A` of a handler cannot travel as JSON: one description per
 * offending argument (`"args[1] is or holds a Date (pass date.toISOString())"`),
 * `never` when all can. A whole argument may be `undefined` (an optional
 * parameter): trailing ones are dropped at run time, and one followed by a
 * defined argument is refused there.
 */
export type NotJsonArgs<A extends readonly unknown[]> = {
  [K in keyof A]-?: NotJsonKind<A[K], true, []> extends infer Why extends string
    ? [Why] extends [never]
      ? never
      : `args[${K & (string | number)}] is or holds ${Why}`
    : never;
}[number];

/**
 * Why a handler's resolved result `R` cannot be stored as JSON, or `never`.
 * `void` and `undefined` are fine (stored as `null`).
 */
export type NotJsonResult<R> =
  NotJsonKind<R, true, []> extends infer Why extends string ? ([Why] extends [never] ? never : `the result is or holds ${Why}`) : never;

/**
 * Stands in for the arguments of a handler whose parameters or result are
 * not JSON. No argument list is assignable to it, so `add` does not compile
 * for that handler, and the compiler's message names what is wrong:
 *
 * ```
 * Argument of type 'Date[]' is not assignable to parameter of type
 *   'NotJsonTask<"args[0] is or holds a Date (pass date.toISOString())">'.
 * ```
 */
export interface NotJsonTask<Why extends string> {
  /** Never set: only here so that nothing matches by accident. */
  readonly 'task arguments and results must be JSON': Why;
}

/**
 * The arguments `add` takes for a handler of type `F`: its parameters when
 * they and its result are JSON, {@link NotJsonTask} otherwise.
 */
export type JsonHandlerArgs<F> = F extends (...args: infer A) => infer R
  ? [NotJsonArgs<A> | NotJsonResult<Awaited<R>>] extends [never]
    ? A
    : NotJsonTask<NotJsonArgs<A> | NotJsonResult<Awaited<R>>>
  : never;
