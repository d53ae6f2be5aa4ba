/* pasarela sandbox stand-in for kr-payment-form.min.js */
(function () {
  var origin = "__ORIGIN__";
  var cards = __CARDS__;
  var script = document.currentScript || document.querySelector('script[kr-public-key]');
  function attr(name) { return script ? script.getAttribute(name) : null; }
  function post(url, fields) {
    var form = document.createElement('form');
    form.method = 'POST'; form.action = url;
    Object.keys(fields).forEach(function (k) {
      var input = document.createElement('input');
      input.type = 'hidden'; input.name = k; input.value = fields[k];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }
  function render(container) {
    var token = container.getAttribute('kr-form-token');
    var html = '<div class="kr-sandbox"><p>pasarela sandbox: choose a test card</p><select class="kr-sandbox-card">';
    cards.forEach(function (c) { html += '<option value="' + c.pan + '">' + c.pan + ' ' + c.brand + ' - ' + c.label + '</option>'; });
    html += '</select> <button type="button" class="kr-payment-button">Pagar</button><p class="kr-sandbox-message"></p></div>';
    container.innerHTML = html;
    container.querySelector('.kr-payment-button').addEventListener('click', function () {
      var pan = container.querySelector('.kr-sandbox-card').value;
      fetch(origin + '/sandbox/lyra/js-pay', {
        method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({formToken: token, publicKey: attr('kr-public-key'), card: pan})
      }).then(function (r) { return r.json(); }).then(function (result) {
        var message = container.querySelector('.kr-sandbox-message');
        if (result.error) { message.textContent = result.error; return; }
        var success = attr('kr-post-url-success'), refused = attr('kr-post-url-refused');
        var target = result.refused ? (refused || null) : success;
        if (target) { post(target, result.fields); }
        else { message.textContent = result.refused ? 'Payment refused, choose another card.' : 'Payment accepted.'; }
      }).catch(function (e) { container.querySelector('.kr-sandbox-message').textContent = 'the sandbox could not be reached: ' + e; });
    });
  }
  function start() { document.querySelectorAll('.kr-smart-form[kr-form-token]').forEach(render); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
