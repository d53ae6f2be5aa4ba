/* pasarela sandbox stand-in for kr-payment-form.min.js: the documented `KR` API and a card form
 * with the real form's class names, paying through the sandbox. Not Lyra's code. */
(function () {
  'use strict';
  if (window.KR && window.KR.pasarelaSandbox) { return; }
  var FALLBACK_ORIGIN = "__ORIGIN__";
  var CARDS = __CARDS__;
  var MESSAGES = {
    CLIENT_300: 'Invalid form data.',
    CLIENT_301: 'The card number is invalid. Please check the number and try again.',
    CLIENT_302: 'The expiration date is invalid. Please check the date and try again.',
    CLIENT_303: 'The card security code (CVV) is invalid. Please check the code and try again.',
    CLIENT_999: 'A technical error has occurred. Please try again later.'
  };
  var script = document.currentScript || document.querySelector('script[kr-public-key]');
  var origin = FALLBACK_ORIGIN;
  try { if (script && script.src) { origin = new URL(script.src, document.baseURI).origin; } } catch (e) { /* keep the fallback */ }

  function log() { var args = ['[pasarela sandbox]'].concat([].slice.call(arguments)); console.log.apply(console, args); }

  // Configuration: the script's kr-* attributes, then KR.setFormConfig on top.
  var config = {};
  if (script) {
    [].slice.call(script.attributes).forEach(function (a) { if (a.name.indexOf('kr-') === 0) { config[a.name] = a.value; } });
  }
  var runtimeToken = null; // set by setFormConfig({formToken}) / setFormToken
  var forms = [];
  var nextId = 1;
  var callbacks = {};
  var EVENTS = ['Submit', 'Error', 'FormReady', 'FormCreated', 'TransactionCreated', 'OrderUpdate', 'Loaded',
    'Focus', 'Blur', 'FormValid', 'BrandChanged', 'PopinClosed', '3dSecureAbort', 'InstallmentChanged'];
  var EMULATED_EVENTS = ['Submit', 'Error', 'FormReady', 'FormCreated', 'TransactionCreated', 'OrderUpdate',
    'Loaded', 'Focus', 'Blur', 'FormValid', 'BrandChanged', 'PopinClosed'];

  var KR = { pasarelaSandbox: true };
  function done(extra) { var r = { KR: KR }; if (extra) { for (var k in extra) { r[k] = extra[k]; } } return Promise.resolve(r); }
  function notEmulated(name, value) {
    return function () { log('KR.' + name + ' is not emulated by the sandbox'); return value === undefined ? done() : value; };
  }
  function emit(event, arg) {
    var results = (callbacks[event] || []).map(function (cb) {
      try { return cb(arg); } catch (e) { console.error(e); return undefined; }
    });
    return results;
  }
  function truthy(v) { return v === true || v === 'true' || v === ''; }
  function setting(form, name) {
    if (config[name] !== undefined && config[name] !== null) { return config[name]; }
    return form && form.el.getAttribute(name);
  }
  function tokenOf(form) {
    return runtimeToken || form.el.getAttribute('kr-form-token') || config['kr-form-token'] || null;
  }
  function publicKey() { return config['kr-public-key'] || config.publicKey || null; }
  function krError(code, message, extra) {
    var e = { errorCode: code, errorMessage: message || MESSAGES[code] || code, detailedErrorCode: null,
      detailedErrorMessage: null, field: null, children: [], metadata: {}, formId: null, _type: 'krypton/error' };
    if (extra) { for (var k in extra) { e[k] = extra[k]; } }
    return e;
  }
  function json(method, path, body) {
    return fetch(origin + path, {
      method: method, headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) { return r.json(); });
  }
  // Only http(s) return URLs are followed: a `javascript:` URL never becomes a form action.
  function httpUrl(url) {
    var u;
    try { u = new URL(url, document.baseURI); } catch (e) { return null; }
    if (u.protocol === 'http:' || u.protocol === 'https:') { return u; }
    console.error('pasarela sandbox: return URL refused (http and https only): ' + u.protocol);
    return null;
  }
  function navigatePost(url, fields) {
    var u = httpUrl(url);
    if (!u) { return; }
    var f = document.createElement('form');
    f.method = 'POST'; f.action = u.toString(); f.style.display = 'none';
    Object.keys(fields).forEach(function (k) {
      var i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = fields[k]; f.appendChild(i);
    });
    document.body.appendChild(f);
    f.submit();
  }
  function navigateGet(url, fields) {
    var u = httpUrl(url);
    if (!u) { return; }
    Object.keys(fields).forEach(function (k) { u.searchParams.set(k, fields[k]); });
    window.location.href = u.toString();
  }

  // --- the card form -------------------------------------------------------------------------
  function q(form, cls) { return form.el.querySelector('.' + cls); }
  function input(form, cls) { var f = q(form, cls); return f && f.querySelector('input'); }
  function field(form, cls, placeholderName, placeholder, label) {
    var el = q(form, cls);
    if (!el) { el = document.createElement('div'); el.className = cls; form.fieldsParent.appendChild(el); }
    el.classList.add('kr-field');
    el.innerHTML = '';
    var wrapper = document.createElement('div'); wrapper.className = 'kr-field-wrapper';
    var i = document.createElement('input');
    i.className = 'kr-input-field kr-field-element'; i.type = 'text'; i.name = cls; i.autocomplete = 'off';
    i.setAttribute('aria-label', setting(form, 'kr-label-' + placeholderName) || label);
    i.placeholder = setting(form, 'kr-placeholder-' + placeholderName) || placeholder;
    wrapper.appendChild(i); el.appendChild(wrapper);
    var fieldName = cls.replace(/^kr-/, '');
    i.addEventListener('focus', function () { emit('Focus', { formId: form.id, field: fieldName }); });
    i.addEventListener('blur', function () { emit('Blur', { formId: form.id, field: fieldName }); });
    i.addEventListener('input', function () { el.classList.remove('kr-error'); onInput(form); });
    return i;
  }
  function brandOf(pan) {
    var card = CARDS.filter(function (c) { return c.pan === pan; })[0];
    if (card) { return card.brand; }
    if (/^4/.test(pan)) { return 'VISA'; }
    if (/^(5[1-5]|2[2-7])/.test(pan)) { return 'MASTERCARD'; }
    if (/^3[47]/.test(pan)) { return 'AMEX'; }
    return null;
  }
  function onInput(form) {
    var pan = digits(input(form, 'kr-pan').value);
    var brand = brandOf(pan);
    if (brand !== form.brand) {
      form.brand = brand;
      form.el.setAttribute('kr-brand', brand || '');
      emit('BrandChanged', { KR: KR, cardInfo: { bin: pan.slice(0, 6), brand: brand } });
    }
    if (!validate(form, false)) { emit('FormValid', { KR: KR, cardInfo: { bin: pan.slice(0, 6), brand: brand } }); }
  }
  function digits(s) { return (s || '').replace(/[\s-]/g, ''); }
  function futureExpiry() { var d = new Date(); return '12/' + String((d.getFullYear() + 3) % 100); }
  /** The first error of the card fields (with every field error as children), or null. */
  function validate(form, show) {
    var children = [];
    var pan = digits(input(form, 'kr-pan').value);
    if (!/^\d{12,19}$/.test(pan) || !CARDS.some(function (c) { return c.pan === pan; })) {
      children.push(krError('CLIENT_301', null, { field: 'pan', detailedErrorMessage: /^\d{12,19}$/.test(pan) ? 'not a sandbox test card' : null }));
    }
    var m = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(input(form, 'kr-expiry').value || '');
    var expiryOk = false;
    if (m) {
      var month = parseInt(m[1], 10), year = parseInt(m[2], 10);
      if (year < 100) { year += 2000; }
      var now = new Date();
      expiryOk = month >= 1 && month <= 12 && (year > now.getFullYear() || (year === now.getFullYear() && month >= now.getMonth() + 1));
    }
    if (!expiryOk) { children.push(krError('CLIENT_302', null, { field: 'expiryDate' })); }
    var cvv = (input(form, 'kr-security-code').value || '').trim();
    var cvvLength = brandOf(pan) === 'AMEX' ? 4 : 3;
    if (!new RegExp('^\\d{' + cvvLength + '}$').test(cvv)) { children.push(krError('CLIENT_303', null, { field: 'securityCode' })); }
    if (show) {
      ['kr-pan', 'kr-expiry', 'kr-security-code'].forEach(function (c) { q(form, c).classList.remove('kr-error'); });
      children.forEach(function (e) {
        q(form, { pan: 'kr-pan', expiryDate: 'kr-expiry', securityCode: 'kr-security-code' }[e.field]).classList.add('kr-error');
      });
    }
    if (!children.length) { return null; }
    var first = children[0];
    return krError(first.errorCode, first.errorMessage, { field: first.field, children: children, formId: form.id });
  }
  function showError(form, error) {
    var box = q(form, 'kr-form-error');
    if (box) { box.innerHTML = ''; if (error) { var s = document.createElement('span'); s.textContent = error.errorMessage; box.appendChild(s); } }
    form.el.classList.toggle('kr-form-has-error', !!error);
  }
  function button(form) { return q(form, 'kr-payment-button'); }
  function setBusy(form, busy) {
    var b = button(form); if (!b) { return; }
    b.disabled = busy || form.buttonDisabled;
    b.classList.toggle('kr-loading', busy);
  }
  function buttonLabel(form) {
    if (form.buttonLabel) { return form.buttonLabel.replace('%amount-and-currency%', form.amountLabel || ''); }
    var lang = (setting(form, 'kr-language') || config.language || 'en').toLowerCase();
    var verb = lang.indexOf('es') === 0 ? 'Pagar' : lang.indexOf('fr') === 0 ? 'Payer' : lang.indexOf('pt') === 0 ? 'Pagar' : 'Pay';
    return form.amountLabel ? verb + ' ' + form.amountLabel : verb;
  }

  function render(el) {
    var existing = forms.filter(function (f) { return f.el === el; })[0];
    if (existing) { removeForm(existing); }
    var form = { id: 'kr-form-' + (nextId++), el: el, brand: null, attempts: 0, ready: false };
    el.setAttribute('kr-form-id', form.id);
    el.classList.add('kr-embedded-sandbox');
    forms.push(form);
    var popin = el.hasAttribute('kr-popin');
    // Fields the merchant placed (custom order) are filled in place; missing ones are appended.
    form.fieldsParent = el;
    if (popin) {
      form.popin = document.createElement('div');
      form.popin.className = 'kr-popin-wrapper';
      form.popin.style.display = 'none';
      form.popin.innerHTML = '<div class="kr-popin-modal"><button type="button" class="kr-popin-modal-header-close" aria-label="close">×</button><div class="kr-popin-content"></div></div>';
      form.fieldsParent = form.popin.querySelector('.kr-popin-content');
      [].slice.call(el.querySelectorAll('.kr-pan, .kr-expiry, .kr-security-code, .kr-payment-button, .kr-form-error'))
        .forEach(function (c) { form.fieldsParent.appendChild(c); });
      var open = document.createElement('button');
      open.type = 'button'; open.className = 'kr-popin-button'; open.textContent = 'Pay with a card';
      open.addEventListener('click', function () { openPopin(form); });
      el.appendChild(open); el.appendChild(form.popin);
      form.popin.querySelector('.kr-popin-modal-header-close').addEventListener('click', function () { closePopin(form); });
    }
    var shortcut = document.createElement('div');
    shortcut.className = 'kr-sandbox';
    var select = '<label>pasarela sandbox test card <select class="kr-sandbox-card"><option value="">(type a card or pick one)</option>';
    CARDS.forEach(function (c) { select += '<option value="' + c.pan + '">' + c.pan + ' ' + c.brand + ' - ' + c.label.replace(/</g, '&lt;') + '</option>'; });
    shortcut.innerHTML = select + '</select></label>';
    form.fieldsParent.insertBefore(shortcut, form.fieldsParent.firstChild);
    field(form, 'kr-pan', 'pan', 'Card number', 'Card number');
    field(form, 'kr-expiry', 'expiry', 'MM/YY', 'Expiration date');
    field(form, 'kr-security-code', 'security-code', 'CVV', 'Security code');
    var b = button(form);
    if (!b) { b = document.createElement('button'); b.className = 'kr-payment-button'; form.fieldsParent.appendChild(b); }
    b.type = 'button';
    if (!q(form, 'kr-form-error')) { var err = document.createElement('div'); err.className = 'kr-form-error'; form.fieldsParent.appendChild(err); }
    var message = document.createElement('p'); message.className = 'kr-sandbox-message'; form.fieldsParent.appendChild(message);
    shortcut.querySelector('select').addEventListener('change', function (ev) { pick(form, ev.target.value); });
    b.addEventListener('click', function () { pay(form); });
    b.textContent = buttonLabel(form);
    emit('FormCreated');
    loadForm(form);
    return form;
  }
  function pick(form, pan) {
    if (!pan) { return; }
    input(form, 'kr-pan').value = pan;
    input(form, 'kr-expiry').value = futureExpiry();
    input(form, 'kr-security-code').value = '123';
    onInput(form);
  }
  /** Asks the sandbox about the formToken (amount, validity); the form is ready after that. */
  function loadForm(form) {
    var token = tokenOf(form);
    if (!token) { log('no formToken yet: set it with KR.setFormConfig({formToken}) or kr-form-token'); return Promise.resolve(); }
    return json('GET', '/sandbox/lyra/js-form/' + encodeURIComponent(token) + '?publicKey=' + encodeURIComponent(publicKey() || ''))
      .then(function (info) {
        if (info.error) { var e = krError(info.error.errorCode, info.error.errorMessage, { formId: form.id }); showError(form, e); emit('Error', e); return; }
        form.amountLabel = info.amountLabel;
        button(form).textContent = buttonLabel(form);
        form.ready = true;
        emit('FormReady');
      })
      .catch(function (e) { var err = krError('CLIENT_999', null, { detailedErrorMessage: 'the sandbox could not be reached: ' + e }); showError(form, err); emit('Error', err); });
  }
  function removeForm(form) {
    form.el.innerHTML = '';
    form.el.removeAttribute('kr-form-id');
    forms = forms.filter(function (f) { return f !== form; });
  }
  function openPopin(form) { if (form && form.popin) { form.popin.style.display = ''; } }
  function closePopin(form) { if (form && form.popin && form.popin.style.display !== 'none') { form.popin.style.display = 'none'; emit('PopinClosed'); } }

  /** What onSubmit-style callbacks said: false, or a promise ending false or rejected, stops. */
  function allowed(results) {
    return Promise.all(results.map(function (r) {
      if (r === false) { return false; }
      if (r && typeof r.then === 'function') { return r.then(function (v) { return v !== false; }, function () { return false; }); }
      return true;
    })).then(function (all) { return all.every(Boolean); });
  }

  function pay(form) {
    if (form.busy) { return Promise.resolve(); }
    var select = form.el.querySelector('select.kr-sandbox-card');
    if (select && select.value && !input(form, 'kr-pan').value) { pick(form, select.value); }
    var invalid = validate(form, true);
    showError(form, invalid);
    if (invalid) { emit('Error', invalid); return Promise.resolve(); }
    var token = tokenOf(form);
    if (!token) { var none = krError('CLIENT_999', null, { detailedErrorMessage: 'no formToken', formId: form.id }); showError(form, none); emit('Error', none); return Promise.resolve(); }
    form.busy = true; setBusy(form, true);
    var message = q(form, 'kr-sandbox-message');
    return json('POST', '/sandbox/lyra/js-pay', {
      formToken: token, publicKey: publicKey(), card: digits(input(form, 'kr-pan').value),
      expiry: input(form, 'kr-expiry').value, securityCode: input(form, 'kr-security-code').value
    }).then(function (result) {
      form.busy = false; setBusy(form, false);
      if (!result.response) {
        var e = krError(result.error.errorCode, result.error.errorMessage, result.error);
        e.formId = form.id; showError(form, e); emit('Error', e);
        return;
      }
      var response = result.response;
      response.formId = form.id;
      response.post = function () { return result.fields; };
      emit('TransactionCreated', response);
      var update = {}; for (var k in response) { update[k] = response[k]; } update._name = 'payment';
      var updates = emit('OrderUpdate', update);
      if (result.refused) {
        var refused = krError(result.error.errorCode, result.error.errorMessage, result.error);
        refused.formId = form.id; refused.metadata = { answer: response };
        if (truthy(setting(form, 'kr-clear-on-error'))) { input(form, 'kr-security-code').value = ''; }
        showError(form, refused);
        emit('Error', refused);
        if (result.attemptsLeft === 0) {
          var target = setting(form, 'kr-post-url-refused');
          var getTarget = setting(form, 'kr-get-url-refused');
          return allowed(updates).then(function (go) {
            if (!go) { return; }
            if (target) { navigatePost(target, result.fields); } else if (getTarget) { navigateGet(getTarget, result.fields); }
          });
        }
        return;
      }
      showError(form, null);
      if (message) { message.textContent = 'Payment accepted.'; }
      return allowed(emit('Submit', response).concat(updates)).then(function (go) {
        if (!go) { return; }
        var success = setting(form, 'kr-post-url-success');
        var getSuccess = setting(form, 'kr-get-url-success');
        if (success) { navigatePost(success, result.fields); } else if (getSuccess) { navigateGet(getSuccess, result.fields); }
      });
    }).catch(function (e) {
      form.busy = false; setBusy(form, false);
      var err = krError('CLIENT_999', null, { detailedErrorMessage: 'the sandbox could not be reached: ' + e, formId: form.id });
      showError(form, err); emit('Error', err);
    });
  }

  // --- the KR object ------------------------------------------------------------------------
  function elementsOf(target) {
    if (target === undefined || target === null) { return [].slice.call(document.querySelectorAll('.kr-smart-form, .kr-embedded')); }
    if (typeof target === 'string') { return [].slice.call(document.querySelectorAll(target)); }
    if (Array.isArray(target)) { return target; }
    return [target];
  }
  function formElementsIn(el) {
    if (el.matches && el.matches('.kr-smart-form, .kr-embedded')) { return [el]; }
    var inner = [].slice.call(el.querySelectorAll('.kr-smart-form, .kr-embedded'));
    if (inner.length) { return inner; }
    var created = document.createElement('div'); created.className = 'kr-embedded'; el.appendChild(created);
    return [created];
  }
  function renderAll(target) {
    var rendered = [];
    elementsOf(target).forEach(function (el) { formElementsIn(el).forEach(function (f) { rendered.push(render(f)); }); });
    if (!rendered.length) { return Promise.reject(krError('CLIENT_999', 'no element matches ' + target)); }
    return done({ result: { formId: rendered[0].id } });
  }
  function formById(id) { return id ? forms.filter(function (f) { return f.id === id; })[0] : forms[0]; }

  KR.setFormConfig = function (options) {
    options = options || {};
    var tokenChanged = false;
    Object.keys(options).forEach(function (k) {
      var v = options[k];
      if (k === 'formToken' || k === 'kr-form-token') { tokenChanged = runtimeToken !== v; runtimeToken = v; return; }
      if (k === 'publicKey') { config['kr-public-key'] = v; return; }
      if (k === 'language') { config['kr-language'] = v; return; }
      config[k] = v;
    });
    forms.forEach(function (f) { if (tokenChanged) { f.ready = false; loadForm(f); } else { button(f).textContent = buttonLabel(f); } });
    return done();
  };
  KR.setFormToken = function (token) { return KR.setFormConfig({ formToken: token }); };
  KR.renderElements = renderAll;
  KR.attachForm = function (selector) { return renderAll(selector); };
  KR.addForm = function (selector) { return renderAll(selector); };
  KR.showForm = function (id) { var f = formById(id); if (f) { f.el.style.display = ''; } return done(); };
  KR.hideForm = function (id) { var f = formById(id); if (f) { f.el.style.display = 'none'; } return done(); };
  KR.openPopin = function (id) { openPopin(formById(id)); return done(); };
  KR.closePopin = function (id) { closePopin(formById(id)); return done(); };
  KR.removeForms = function () { forms.slice().forEach(removeForm); return done(); };
  KR.validateForm = function (id) {
    var f = formById(id);
    var error = f ? validate(f, false) : krError('CLIENT_999', 'no form');
    if (!error) { return done({ result: null }); }
    error.doOnError = function () { if (f) { validate(f, true); showError(f, error); } };
    return Promise.reject({ KR: KR, result: error });
  };
  KR.validate = function () { forms.forEach(function (f) { showError(f, validate(f, true)); }); };
  KR.submit = function () { var f = formById(); return (f ? pay(f) : Promise.resolve()).then(function () { return { KR: KR }; }); };
  KR.removeEventCallbacks = function () { callbacks = {}; return done(); };
  EVENTS.forEach(function (name) {
    KR['on' + name] = function (cb) {
      if (EMULATED_EVENTS.indexOf(name) < 0) { log('KR.on' + name + ' is accepted but never fires in the sandbox'); }
      (callbacks[name] = callbacks[name] || []).push(cb);
      if (name === 'Loaded' || (name === 'FormReady' && forms.some(function (f) { return f.ready; }))) { setTimeout(function () { cb(); }, 0); }
      return done();
    };
  });
  KR.button = {
    setLabel: function (label) { forms.forEach(function (f) { f.buttonLabel = label; button(f).textContent = buttonLabel(f); }); return done(); },
    enable: function () { forms.forEach(function (f) { f.buttonDisabled = false; setBusy(f, false); }); return done(); },
    disable: function () { forms.forEach(function (f) { f.buttonDisabled = true; setBusy(f, false); }); return done(); },
    showSpinner: function () { forms.forEach(function (f) { button(f).classList.add('kr-loading'); }); return done(); },
    hideSpinner: function () { forms.forEach(function (f) { button(f).classList.remove('kr-loading'); }); return done(); },
    onClick: notEmulated('button.onClick'),
    hide: notEmulated('button.hide'),
    show: notEmulated('button.show')
  };
  KR.smartForm = { onClick: notEmulated('smartForm.onClick'), throwCustomError: notEmulated('smartForm.throwCustomError') };
  KR.wallet = { onTabChange: notEmulated('wallet.onTabChange'), onPaymentTokenDeleted: notEmulated('wallet.onPaymentTokenDeleted') };
  KR.fields = {
    focus: function (cls) { var f = formById(); var i = f && input(f, cls); if (!i) { return Promise.reject(krError('CLIENT_999', 'no field ' + cls)); } i.focus(); return done(); },
    cvv: { show: notEmulated('fields.cvv.show'), hide: notEmulated('fields.cvv.hide') },
    pan: { help: { button: { show: notEmulated('fields.pan.help.button.show'), hide: notEmulated('fields.pan.help.button.hide'), restoreDefaultVisibility: notEmulated('fields.pan.help.button.restoreDefaultVisibility') } } }
  };
  KR.skeleton = { show: notEmulated('skeleton.show'), hide: notEmulated('skeleton.hide') };
  KR.overlay = { show: notEmulated('overlay.show', undefined), hide: notEmulated('overlay.hide', undefined), restoreDefaultVisibility: notEmulated('overlay.restoreDefaultVisibility', undefined) };
  KR.setShopName = notEmulated('setShopName');
  KR.setHelpVisibility = notEmulated('setHelpVisibility');
  KR.setBrand = notEmulated('setBrand');
  KR.openPaymentMethod = notEmulated('openPaymentMethod');
  KR.getPaymentMethods = function () {
    return Promise.resolve({ paymentMethods: ['CARDS'], cardBrands: CARDS.map(function (c) { return c.brand; }).filter(function (b, i, all) { return all.indexOf(b) === i; }) });
  };

  function autoRender() {
    if (truthy(config['kr-spa-mode'])) { return; }
    var els = [].slice.call(document.querySelectorAll('.kr-smart-form, .kr-embedded'));
    els.forEach(render);
  }
  // The glue waits for window.KR, then for a truthy KR.ready (polling), and resolves {KR}.
  window.KR = KR;
  KR.ready = true;
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', autoRender); } else { autoRender(); }
})();
