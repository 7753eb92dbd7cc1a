/** Vite aliases for every `paths` entry of `<root>/tsconfig.json`, most specific first. */
export function libAliases(root: string): { find: RegExp; replacement: string }[];
