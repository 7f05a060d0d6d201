/*
 * The one way the pages talk to the api: JSON over fetch with the session cookie.
 * State-changing calls send JSON bodies (the api refuses forms); a network failure is
 * reported as status 0 so that every caller handles one shape of result.
 */

/**
 * @typedef {{status: number, ok: boolean, data: any}} Result
 */

/** A refused or failed request, with the message to show (empty for a 401: the page leaves). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<Result>} never rejects
 */
export function request(method, path, body) {
  /** @type {RequestInit & {headers: Record<string, string>}} */
  const init = {
    method,
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    cache: "no-store",
  };
  if (method !== "GET") {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body || {});
  }
  return fetch(path, init).then(
    (response) =>
      response.text().then((raw) => {
        let data = null;
        try {
          data = raw ? JSON.parse(raw) : null;
        } catch {
          data = null; // an error page from a proxy: the status says enough
        }
        return { status: response.status, ok: response.ok, data };
      }),
    () => ({ status: 0, ok: false, data: null }),
  );
}

/**
 * The api's own explanation (its "detail"), or the fallback.
 * @param {Result} result
 * @param {string} fallback
 */
export function detailOf(result, fallback) {
  const detail = result.data && result.data.detail;
  return typeof detail === "string" && detail ? detail : fallback;
}

/**
 * @typedef {object} FailureTexts
 * @property {string} network  no answer at all
 * @property {string} server   a 5xx (the api's own words are kept for a 503: it says what is down)
 * @property {Record<number, {text: string, detail?: boolean}>} byStatus
 *   a status's message; with detail the api's explanation is preferred when it gives one
 */

/**
 * What to tell the user about a failed request.
 * @param {Result} result
 * @param {FailureTexts} texts
 */
export function errorText(result, texts) {
  if (result.status === 0) {
    return texts.network;
  }
  const known = texts.byStatus[result.status];
  if (known) {
    return known.detail ? detailOf(result, known.text) : known.text;
  }
  return result.status >= 500 && result.status !== 503 ? texts.server : detailOf(result, texts.server);
}

/**
 * A request helper for a signed-in page: resolves with the data of a 2xx, rejects with an
 * ApiError otherwise; a 401 (the session ended) goes to `signedOut` first.
 * @param {{texts: FailureTexts, signedOut: () => void}} options
 * @returns {(method: string, path: string, body?: unknown) => Promise<any>}
 */
export function sessionCaller({ texts, signedOut }) {
  return (method, path, body) =>
    request(method, path, body).then((result) => {
      if (result.status === 401) {
        signedOut();
        throw new ApiError(401, "");
      }
      if (!result.ok) {
        throw new ApiError(result.status, errorText(result, texts));
      }
      return result.data || {};
    });
}
