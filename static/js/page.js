// Behaviour shared by the pages, wired by data attributes: the Content-Security-Policy runs no
// inline event handler (onchange="..."), only scripts from this site or with the page's nonce.
//   <select data-autosubmit>   submits its form when changed
//   <button data-print>        prints the page
//   <button data-confirm="…">  asks first; the form is sent only if the person agrees
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
});
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-print]");
  if (el) window.print();
  var ask = event.target.closest && event.target.closest("[data-confirm]");
  if (ask && !window.confirm(ask.getAttribute("data-confirm"))) event.preventDefault();
});
