/* WeChat Pay inside WeChat (JSAPI): opens the pay sheet with the server's signed parameters. */
(function () {
  "use strict";
  var params = JSON.parse(document.getElementById("wxpay-params").textContent);
  var next = JSON.parse(document.getElementById("wxpay-next").textContent);
  function pay() {
    if (typeof WeixinJSBridge === "undefined") { return; }
    WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (res) {
      if (res.err_msg === "get_brand_wcpay_request:ok") { location.href = next || location.href; }
    });
  }
  document.getElementById("wxpay").addEventListener("click", pay);
  if (typeof WeixinJSBridge === "undefined") {
    document.addEventListener("WeixinJSBridgeReady", pay, false);
  } else {
    pay();
  }
})();
