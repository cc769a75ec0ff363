/** True in the browser bundle, false while the server renders (Fresh's `IS_BROWSER`). */
export const IS_BROWSER = typeof document !== 'undefined'
