'use strict';
// Countries picked by typing, with the admin's own Select2 and theme (as the citations are):
// the list of countries is in the page, so no request is made. No inline script (CSP).
{
    const $ = django.jQuery;
    function init(context) {
        $(context).find('select.country-autocomplete').not('[name*=__prefix__]').select2();
    }
    $(function() {
        init(document);
        // A row added to an inline formset brings its own select.
        $(document).on('formset:added', function(event) { init(event.target); });
    });
}
