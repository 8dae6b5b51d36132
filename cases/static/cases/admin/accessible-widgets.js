'use strict';
// The admin's Select2 boxes (autocompletes, countries) and the two-list selector are drawn by
// scripts with no accessible name on the box a person types in; a screen reader announced them
// as unnamed. Each is named after its field's label (or, in a table row, its column), once drawn.
{
  const named = new WeakSet();

  function fieldName(select) {
    const label = select.id && document.querySelector(`label[for="${select.id}"]`);
    if (label && label.textContent.trim()) return label.textContent.trim().replace(/:$/, '');
    if (select.getAttribute('aria-label')) return select.getAttribute('aria-label');
    const cell = select.closest('td');
    const table = cell && cell.closest('table');
    if (table) {
      const header = table.querySelectorAll('thead th')[cell.cellIndex];
      if (header && header.textContent.trim()) return header.textContent.trim();
    }
    return select.name || 'choice';
  }

  function nameSelect2(root) {
    for (const select of root.querySelectorAll('select.select2-hidden-accessible')) {
      const box = select.nextElementSibling;
      if (!box || !box.classList.contains('select2')) continue;
      const name = fieldName(select);
      const parts = '.select2-selection, .select2-search__field, .select2-selection__rendered[role="textbox"]';
      for (const part of box.querySelectorAll(parts)) {
        part.setAttribute('aria-label', name);
      }
      // A multiple choice lists the chosen values and the search box: a list of its items only.
      for (const list of box.querySelectorAll('ul.select2-selection__rendered')) {
        list.setAttribute('role', 'list');
        for (const child of list.children) {
          if (child.tagName !== 'LI') child.setAttribute('aria-hidden', 'true');
          else child.setAttribute('role', 'listitem');
        }
      }
      named.add(select);
    }
    // The two-list selector's search icons carry a label: as images.
    for (const icon of root.querySelectorAll('.help-tooltip.search-label-icon')) {
      icon.setAttribute('role', 'img');
    }
  }

  function nameAll() { nameSelect2(document); }

  // Select2 draws (and redraws on each choice) after the page's own scripts: follow the form.
  const observer = new MutationObserver(() => nameAll());
  window.addEventListener('load', () => {
    nameAll();
    const form = document.querySelector('#content-main') || document.body;
    observer.observe(form, { childList: true, subtree: true });
  });
}
