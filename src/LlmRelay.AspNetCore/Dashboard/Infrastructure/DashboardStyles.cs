namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>The dashboard's stylesheet and its one small script (copy buttons, confirmations, select-all boxes, in-place refreshes), inlined into every page.</summary>
internal static class DashboardStyles
{
    public const string Css = """
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans SC","PingFang SC",sans-serif;color:#1f2937;background:#f3f4f6}
        a{color:#2563eb;text-decoration:none}a:hover{text-decoration:underline}
        .top{display:flex;align-items:center;gap:16px;padding:10px 20px;background:#111827;color:#f9fafb;flex-wrap:wrap}
        .top .brand{color:#fff;font-weight:700;font-size:18px;margin-right:auto}
        .top .lang a{color:#d1d5db;margin-left:8px}.top .lang a.on{color:#fff;font-weight:700;text-decoration:underline}
        .top .who{color:#d1d5db}
        .top button.link{color:#fca5a5}
        .frame{display:flex;min-height:calc(100vh - 50px)}
        nav.side{width:200px;flex:none;background:#fff;border-right:1px solid #e5e7eb;padding:12px 0}
        nav.side a{display:block;padding:8px 20px;color:#374151}
        nav.side a.on{background:#eff6ff;color:#1d4ed8;font-weight:600;border-left:3px solid #2563eb}
        main{flex:1;min-width:0;padding:20px 24px;max-width:1200px}
        h1{font-size:22px;margin:0 0 16px}h2{font-size:17px;margin:24px 0 10px}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px}
        .card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px}
        .card .num{font-size:24px;font-weight:700}.card .lbl{color:#6b7280}
        .panel{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px;margin:16px 0}
        .table-wrap{overflow-x:auto;background:#fff;border:1px solid #e5e7eb;border-radius:8px}
        table{border-collapse:collapse;width:100%}
        th,td{padding:8px 10px;border-bottom:1px solid #f0f1f3;text-align:left;vertical-align:top;white-space:nowrap}
        th{background:#f9fafb;font-weight:600;color:#4b5563}
        td.wrap{white-space:normal;word-break:break-all;min-width:140px}
        form.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;align-items:end}
        form.stack{display:flex;flex-direction:column;gap:12px;max-width:420px}
        label{display:flex;flex-direction:column;gap:4px;font-weight:500}
        label.check{flex-direction:row;align-items:center;gap:6px}
        input,select,textarea{font:inherit;padding:7px 9px;border:1px solid #d1d5db;border-radius:6px;background:#fff;width:100%}
        label.check input{width:auto}
        textarea{min-height:70px}
        button{font:inherit;padding:7px 14px;border:0;border-radius:6px;background:#2563eb;color:#fff;cursor:pointer}
        button.secondary{background:#e5e7eb;color:#111827}button.danger{background:#dc2626}
        button.link{background:none;color:#2563eb;padding:0 4px}
        form.inline{display:inline}
        .actions{display:flex;gap:6px;flex-wrap:wrap;align-items:center}
        .field-error{color:#dc2626;font-weight:400;font-size:13px}
        .flash{padding:10px 14px;border-radius:6px;margin:0 0 14px}
        .flash.ok{background:#ecfdf5;color:#065f46;border:1px solid #a7f3d0}
        .flash.err{background:#fef2f2;color:#991b1b;border:1px solid #fecaca}
        .hint{color:#6b7280;font-size:13px;font-weight:400}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px}
        .badge.on{background:#dcfce7;color:#166534}.badge.off{background:#fee2e2;color:#991b1b}
        .copybox{position:relative}
        pre{background:#0f172a;color:#e2e8f0;padding:12px;border-radius:6px;overflow-x:auto;margin:6px 0;font-size:13px}
        .copybox button.copy{position:absolute;top:6px;right:6px;padding:3px 10px;font-size:12px;background:#334155}
        .pager{display:flex;gap:12px;align-items:center;padding:10px 0}
        .auth{max-width:420px;margin:40px auto}
        .chart svg{width:100%;height:auto}
        .legend{display:flex;flex-wrap:wrap;gap:10px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
        details.edit{display:inline-block}details.edit[open]{display:block;background:#f9fafb;padding:8px;border-radius:6px}
        details summary{cursor:pointer;color:#2563eb}
        @media (max-width:760px){
          .frame{flex-direction:column}
          nav.side{width:auto;display:flex;overflow-x:auto;border-right:0;border-bottom:1px solid #e5e7eb;padding:0}
          nav.side a{white-space:nowrap;padding:10px 12px}
          nav.side a.on{border-left:0;border-bottom:3px solid #2563eb}
          main{padding:14px 12px}
          .top{padding:8px 12px;gap:10px}
        }
        /* Channels (issue #15): toolbar with batch actions, wrapping name and model cells, inline priority and weight. */
        .channel-toolbar{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:0 0 12px}
        .channel-toolbar #channel-batch{margin-left:auto}
        table.channels button{padding:4px 9px;font-size:13px}
        table.channels td.name{white-space:normal;overflow-wrap:anywhere;min-width:170px;max-width:260px}
        table.channels td.group{white-space:normal;overflow-wrap:anywhere;min-width:90px;max-width:160px}
        table.channels td.name .hint,table.channels span.ms{display:block;font-size:12px}
        table.channels td.models{white-space:normal;overflow-wrap:anywhere;min-width:170px;max-width:280px;font-size:13px}
        table.channels td.message{white-space:normal;overflow-wrap:anywhere;min-width:160px}
        table.channels td.row-actions{white-space:normal;min-width:150px;max-width:190px}
        table.channels td.row-actions>*{display:inline-block;margin:0 4px 4px 0}
        table.channels .badge{margin:0 2px 2px 0}
        form.inline-edit{display:flex;gap:4px;align-items:center}
        form.inline-edit input.num{width:62px;padding:4px 6px}
        /* Issue #15: logs, tokens and settings pages. */
        .badge.log-type{background:#e5e7eb;color:#374151}.badge.log-type.error{background:#fee2e2;color:#991b1b}
        .badge.log-type.topup,.badge.log-type.refund{background:#dcfce7;color:#166534}.badge.log-type.manage{background:#e0e7ff;color:#3730a3}
        tr.log-error td.log-content{color:#991b1b}
        .badge.task-status{background:#e5e7eb;color:#374151}.badge.task-status.completed{background:#dcfce7;color:#166534}
        .badge.task-status.failed{background:#fee2e2;color:#991b1b}.badge.task-status.in_progress{background:#e0e7ff;color:#3730a3}
        #logs th,#logs td{padding:8px 6px}
        td.log-content{white-space:normal;word-break:break-word;min-width:160px;max-width:360px}
        .settings-areas{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 8px}
        form.settings-form{display:flex;flex-direction:column;gap:14px;max-width:720px}
        .setting{display:flex;flex-direction:column;gap:4px}
        .setting>label{flex-direction:row;flex-wrap:wrap;align-items:baseline;gap:8px}
        .setting.invalid input,.setting.invalid textarea,.setting.invalid select{border-color:#dc2626}
        textarea.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
        /* Models and pricing, playground, home charts (issue #15) */
        form.grid .wide{grid-column:1/-1;margin:0}
        .panel h2.first{margin-top:0}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:8px 20px}.charts figure{margin:8px 0}
        .chart.bars{margin:8px 0}.chart.bars svg{max-width:720px}
        .answer{white-space:pre-wrap;overflow-wrap:anywhere;min-height:3em;background:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;padding:10px;margin:8px 0}
        dl.usage-row{display:flex;flex-wrap:wrap;gap:8px 24px;margin:8px 0}dl.usage-row dt{color:#6b7280;font-size:12px}dl.usage-row dd{margin:0;font-weight:600}
        .flash[hidden]{display:none}
        """;

    public const string Script = """
        document.addEventListener('click',function(e){
          var b=e.target.closest('[data-copy]');if(b){var t=document.getElementById(b.getAttribute('data-copy')).innerText;
            var done=function(){b.textContent=b.getAttribute('data-done');};
            if(navigator.clipboard){navigator.clipboard.writeText(t).then(done,done);}else{done();}}
        });
        document.addEventListener('submit',function(e){var m=e.target.getAttribute('data-confirm');if(m&&!window.confirm(m)){e.preventDefault();}});
        // Channels (issue #15): a button's own confirmation, select-all boxes, and buttons that refresh parts of the page in place.
        document.addEventListener('submit',function(e){var b=e.submitter,m=b&&b.getAttribute('data-confirm');if(!e.defaultPrevented&&m&&!window.confirm(m)){e.preventDefault();}});
        document.addEventListener('change',function(e){var f=e.target.getAttribute('data-select-all');if(f){document.querySelectorAll('input[type=checkbox][form="'+f+'"]').forEach(function(c){c.checked=e.target.checked;});}});
        document.addEventListener('submit',function(e){var b=e.submitter,ids=b&&b.getAttribute('data-refresh');if(!ids||e.defaultPrevented){return;}e.preventDefault();
          fetch(b.formAction,{method:'POST',body:new FormData(e.target),credentials:'same-origin'}).then(function(r){return r.text();}).then(function(h){
            var d=new DOMParser().parseFromString(h,'text/html');ids.split(' ').forEach(function(id){var n=d.getElementById(id),o=document.getElementById(id);if(n&&o){o.replaceWith(document.importNode(n,true));}});});});
        /* Issue #15, viewer's time zone: tell the server (cookie llmrelay_tz, read for date filters and the next render) and show every <time data-local> in it now. */
        (function(){
          var z='';try{z=Intl.DateTimeFormat().resolvedOptions().timeZone||'';}catch(e){}
          if(z&&document.cookie.indexOf('llmrelay_tz='+z)<0){document.cookie='llmrelay_tz='+z+';path=/;max-age=31536000;samesite=lax';}
          if(z){document.querySelectorAll('[data-tz-name]').forEach(function(e){e.textContent=z;});}
          var p=function(n){return(n<10?'0':'')+n;};
          document.querySelectorAll('time[data-local]').forEach(function(t){var d=new Date(t.getAttribute('datetime'));if(!isNaN(d)){
            t.textContent=d.getFullYear()+'-'+p(d.getMonth()+1)+'-'+p(d.getDate())+' '+p(d.getHours())+':'+p(d.getMinutes())+':'+p(d.getSeconds());}});
        })();
        """;
}
