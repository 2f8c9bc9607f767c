/**
 * The one script of the security-key pages, as served to the browser. It drives a ceremony
 * described by the form's data attributes: ask our server for options, let the browser's own
 * dialog talk to the authenticator (through @simplewebauthn/browser), send the answer back,
 * then follow the redirect the server names. No inline code anywhere: the CSP allows none.
 *
 * Form attributes: `data-webauthn` = "register" | "authenticate", `data-options` and
 * `data-verify` = the two URLs. Its fields (`_csrf`, `name`, `next`) go along in the JSON.
 */
export const WEBAUTHN_CLIENT_JS = `'use strict';
(function () {
  var form = document.querySelector('form[data-webauthn]');
  if (!form) return;
  var button = form.querySelector('button[type="submit"]');
  var status = document.getElementById('webauthn-status');
  var lib = window.SimpleWebAuthnBrowser;

  function show(message) {
    if (!status) return;
    status.textContent = message;
    status.hidden = !message;
  }

  if (!lib || !lib.browserSupportsWebAuthn()) {
    show('This browser cannot use security keys or passkeys. Use another browser, or a one-time code.');
    return;
  }
  if (button) button.disabled = false;

  function fields() {
    var data = {};
    new FormData(form).forEach(function (value, key) {
      if (typeof value === 'string') data[key] = value;
    });
    return data;
  }

  async function post(url, body) {
    var response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    var json = null;
    try {
      json = await response.json();
    } catch (ignored) {
      json = null;
    }
    if (!response.ok) {
      var message = json && json.error && json.error.message;
      throw new Error(message || 'The server refused the request (' + response.status + ').');
    }
    return json;
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    show('');
    if (button) button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      var body = fields();
      var started = await post(form.getAttribute('data-options'), { _csrf: body._csrf });
      var response;
      if (form.getAttribute('data-webauthn') === 'register') {
        response = await lib.startRegistration({ optionsJSON: started.options });
      } else {
        response = await lib.startAuthentication({ optionsJSON: started.options });
      }
      body.response = response;
      var done = await post(form.getAttribute('data-verify'), body);
      window.location.assign(done.redirect);
    } catch (error) {
      var message = error && error.message ? error.message : String(error);
      if (error && error.name === 'NotAllowedError') {
        message = 'The security key dialog was closed or timed out. Try again.';
      } else if (error && error.name === 'InvalidStateError') {
        message = 'This security key is already registered on your account.';
      }
      show(message);
      form.removeAttribute('aria-busy');
      if (button) button.disabled = false;
    }
  });
})();
`;
