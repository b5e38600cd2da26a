/// The retrieval-password word list: 427 distinct short English words.
const WORDS: &str = "able acid aged also area army away baby back ball band bank base bath bear beat bell \
    belt best bird blow blue boat body bone book boot born boss both bowl bulk burn bush \
    busy cake call calm camp card care cart case cash cast cell chef chip city clay club \
    coal coat code cold cook cool cope copy core corn cost crew crop dark data date dawn \
    deal dear deep deer desk dial diet dish disk dock door dose down draw drop drum duck \
    dust duty earn east easy edge else even ever exit face fact fair fall farm fast fear \
    feel file fill film find fine fire firm fish five flag flat flow folk food foot ford \
    form fort four free frog fuel full fund gain game gate gear gift girl give glad goal \
    gold golf good gray grow gulf hair half hall hand hang hard harm hawk head heat help \
    herb hero high hill hint hold hole home hook hope horn host hour huge idea inch iron \
    item jazz join joke jump jury keen keep kind king kite knee knot lack lady lake lamp \
    land lane last late lawn lead leaf lean left lens life lift like lime line link lion \
    list live load loan lock long loop lord loud love luck mail main make mall many mark \
    mass meal meat melt menu mild mile milk mill mind mine mint miss mode moon more moss \
    most move much nail name navy near neck nest news next nice nine node none noon nose \
    note oak okay once only open oval oven pace pack page pain pair palm park part pass path \
    peak pear pick pier pine pink pipe plan play plot plug poem pole pond pool port pose \
    post pour pull pump pure push quiz race rail rain rank rare read real reef rest rice \
    rich ride ring rise road rock role roof room root rope rose rule rush safe sage sail \
    salt sand save seal seat seed self sell ship shoe shop show side sign silk sing site \
    size skin slow snow soap sock soft soil sole song soon sort soup spot star stay step \
    stem stop suit sure swan tail tale talk tall tank tape task team tent term test text \
    tide tile time tiny tone tool tour town tree trip true tube tune turn twin type unit \
    vast verb view vote wage wait wake walk wall warm wash wave weak wear week well west \
    wide wife wild wind wine wing wire wise wish wolf wood wool word work yard year zero \
    zone";
